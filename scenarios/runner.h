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
};

// history_out, when set, receives a copy of the run's history (for reports).
RunResult RunScenario(const Scenario& scenario, const RunOptions& options,
                      properties::History* history_out = nullptr);

}  // namespace mqsim::scenarios
