// Simulation: one seeded world, the bundle every simulated run starts from.
//
// It owns the run's Trace (and so its hash), its VirtualClock and its Scheduler, and hands
// out named Random streams that all report their draws to the Trace. Build everything of a
// run from one Simulation; a run is then a pure function of (seed, what you build, build).
#pragma once

#include <cstdint>
#include <string_view>

#include "sim/clock.h"
#include "sim/random.h"
#include "sim/scheduler.h"
#include "sim/trace.h"

namespace mqsim::sim {

class Simulation {
 public:
  // trace: an external Trace to use (for the determinism check or a JSONL sink);
  // nullptr: the simulation owns one.
  explicit Simulation(uint64_t seed, Trace* trace = nullptr);
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  uint64_t seed() const { return seed_; }
  Trace& trace() { return *trace_; }
  VirtualClock& clock() { return clock_; }
  const VirtualClock& clock() const { return clock_; }
  Scheduler& scheduler() { return scheduler_; }
  Time now() const { return clock_.now(); }

  // An independent random stream of this run, named after its user ("disk", "faults", ...).
  Random Stream(std::string_view name) const { return root_.Stream(name); }

 private:
  uint64_t seed_;
  Trace own_trace_;
  Trace* trace_;
  VirtualClock clock_;
  Random root_;
  Scheduler scheduler_;
};

}  // namespace mqsim::sim
