// Determinism self-check: run the same world twice and prove the traces are identical, or
// name the first step where they diverge, with both runs' events side by side.
//
// The run function must build its whole world from scratch on the Trace it is given (for
// example a Simulation constructed with that Trace) and run it to the end. Nondeterminism
// (a real clock, an address, unordered iteration, an uninitialised read) shows up as a
// different step hash; the report pinpoints the step instead of only saying "hashes differ".
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/trace.h"

namespace mqsim::sim {

struct DeterminismReport {
  bool deterministic = true;
  uint64_t steps_a = 0, steps_b = 0;
  uint64_t hash_a = 0, hash_b = 0;
  uint64_t first_divergent_step = 0;  // 0 when deterministic
  std::vector<TraceEvent> context_a;  // events before and at the divergent step, run A
  std::vector<TraceEvent> context_b;  // the same steps of run B
  // Run A's events are materialised by re-running it; true if that re-run (run C) did not
  // reproduce run A's step hashes, so context_a shows run C.
  bool context_a_rerun_diverged = false;
  std::string ToString() const;
};

DeterminismReport CheckDeterminism(const std::function<void(Trace&)>& run,
                                   uint64_t context_steps = 3);

}  // namespace mqsim::sim
