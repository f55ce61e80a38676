// GoGc: when a Go-style garbage collector would stop the world, driven by what the
// process allocates (NATS leaves its memory to Go's GC).
//
// Go's pacer starts a cycle when the heap reaches live * (1 + GOGC/100) and forces one
// when none ran for two minutes. A cycle stops the world for a base time plus time to
// mark the live heap (exaggerated on purpose: the fault is the point), with seeded jitter;
// the live heap after a cycle is drawn from [live_min, live_max], the working set of
// indexes, caches and buffers. Pure model: the FaultInjector applies the pauses.
#pragma once

#include <cstdint>
#include <optional>

#include "sim/random.h"
#include "sim/time.h"

namespace mqsim::faults {

struct GoGcOptions {
  int gogc = 100;  // percent heap growth per cycle; 0 disables the model
  uint64_t live_min_bytes = 4 << 20;
  uint64_t live_max_bytes = 32 << 20;
  sim::Duration pause_base = sim::Duration::Micros(200);
  uint64_t mark_bytes_per_ms = 256 << 10;
  sim::Duration pause_max = sim::Duration::Millis(400);
  sim::Duration forced_period = sim::Duration::Minutes(2);
};

class GoGc {
 public:
  GoGc(GoGcOptions options, sim::Random* rng);

  // The process allocated `bytes`. Returns the pause if this allocation starts a cycle.
  std::optional<sim::Duration> Allocate(uint64_t bytes, sim::Time now);
  // A cycle forced by time (none ran for forced_period), or nullopt if one ran since.
  std::optional<sim::Duration> Forced(sim::Time now);
  // When the next forced cycle is due.
  sim::Time next_forced() const { return last_cycle_ + options_.forced_period; }

  uint64_t heap_bytes() const { return heap_; }
  uint64_t goal_bytes() const { return goal_; }
  uint64_t cycles() const { return cycles_; }

 private:
  sim::Duration Cycle(sim::Time now);

  GoGcOptions options_;
  sim::Random* rng_;
  uint64_t live_;
  uint64_t heap_;
  uint64_t goal_;
  uint64_t cycles_ = 0;
  sim::Time last_cycle_;
};

}  // namespace mqsim::faults
