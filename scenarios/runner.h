// RunScenario: one scenario, one seed, one exact execution.
//
// Builds the simulation from the seed, opens the scenario's store on a simulated machine,
// spawns its workload (producers, consumer groups with seeks, a full read every 30
// simulated seconds; or the Milvus data path with FlushAll and an mq.type switch) and the
// fault actors, runs for the scenario's duration, restarts the store cleanly, reads it back
// and judges the recorded history with every check that applies. The outcome carries the
// run's fingerprint (trace hash, steps, simulated time) and, on failure, the property and
// its evidence.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "faults/fault_injector.h"
#include "properties/history.h"
#include "scenarios/scenario.h"
#include "sim/trace.h"

namespace mqsim::scenarios {

struct RunOptions {
  uint64_t seed = 1;
  sim::Trace* trace = nullptr;  // record into this (replay, determinism checks)
  uint64_t bugs = 0;            // bug modes switched on for this run (base/bug_modes.h)
};

struct RunResult {
  bool pass = true;
  std::string property;  // the failed check
  std::string detail;    // its evidence (history excerpt)
  std::string store;     // the message store it ran on
  std::string plan;      // the fault plan of this seed
  sim::Duration sim_time;
  // When the failure was observed (the latest event of its evidence), from the start.
  std::optional<sim::Duration> failed_at;
  uint64_t steps = 0;  // trace steps (events and draws), teardown included
  uint64_t hash = 0;   // the trace hash: the run's fingerprint
  uint64_t acked = 0;
  uint64_t consumed = 0;
  uint64_t crashes = 0;
  uint64_t retention_passes = 0;  // retention or expiry passes the store ran
  faults::FaultCounts injected;   // what the fault injector did
  // What the run exercised, by name (scenarios/coverage.h): store calls and their answers,
  // fault kinds, libfiu points, BUGGIFY sites, retention passes.
  std::map<std::string, uint64_t> coverage;
  // How long the run took on this machine, set by the supervisor (not part of the
  // execution: it differs from one run of the same seed to the next).
  double wall_seconds = 0;
};

// The store's disk at a moment of a run.
struct DiskSample {
  int64_t t_ns = 0;
  uint64_t stored_bytes = 0;    // what the store's files hold (the page cache)
  uint64_t unsynced_bytes = 0;  // of those, what a power loss now could take
};

// What a caller may watch of a run (reports, progress displays) without changing it: the
// run's trace and hash are the same with or without a watch.
struct RunWatch {
  properties::History* history = nullptr;  // receives a copy of the history at the end
  // The disk of the scenario's store (the first machine), sampled 480 times over the
  // scenario's duration (and on through the teardown at the same pace).
  std::vector<DiskSample>* disk = nullptr;
  // Called as simulated time passes (at the same pace): now, and the scenario's duration.
  std::function<void(sim::Duration now, sim::Duration duration)> progress;
};

RunResult RunScenario(const Scenario& scenario, const RunOptions& options,
                      const RunWatch* watch = nullptr);

}  // namespace mqsim::scenarios
