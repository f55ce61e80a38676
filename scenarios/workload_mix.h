// DrawWorkloadMix: swarm testing of the workload (FoundationDB, TigerBeetle style), as
// faults::Swarm is of the faults. For a scenario with `swarm_workload: true` each seed draws
// which operations its generic workload mixes in and how often: seeks (and how many aimed
// beyond the latest), group churn, topic churn, purges, deletes, stalling groups and push
// consumers, how many topics take aligned payloads and how many batches go in one call.
// Each is off for a good share of seeds, so that seeds differ in what they leave out as much
// as in what they do. Topics, rates, payload ranges and full reads stay as the scenario says.
#pragma once

#include <string>

#include "scenarios/scenario.h"
#include "sim/random.h"

namespace mqsim::scenarios {

// `base` with its operation mix drawn from rng.
// REQUIRES: base is a generic workload (no milvus section).
WorkloadSpec DrawWorkloadMix(sim::Random& rng, const WorkloadSpec& base);
// The mix, for a run's report: "groups 2 (1 push), seek 0.12 (beyond 0.30), ...".
std::string WorkloadMixString(const WorkloadSpec& w);

}  // namespace mqsim::scenarios
