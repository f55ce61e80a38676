// VirtualClock: the one source of "now" inside a simulation.
//
// Time only moves when the scheduler advances it (to the next timer) or when simulated
// code explicitly spends time (a slow fsync, RocksDB's SleepForMicroseconds). It never
// goes backwards. wall_epoch_us maps simulated time to a plausible Unix time for engines
// that store wall-clock timestamps (RocksDB, retention): wall = epoch + since_start.
#pragma once

#include <cstdint>

#include "base/assert.h"
#include "sim/time.h"

namespace mqsim::sim {

class VirtualClock {
 public:
  // 2026-01-01T00:00:00Z: a fixed, seed-independent default epoch.
  static constexpr int64_t kDefaultWallEpochUs = 1767225600LL * 1000'000;

  explicit VirtualClock(int64_t wall_epoch_us = kDefaultWallEpochUs)
      : wall_epoch_us_(wall_epoch_us) {}

  Time now() const { return now_; }
  int64_t wall_micros() const { return wall_epoch_us_ + now_.nanos() / 1000; }
  int64_t wall_nanos() const { return wall_epoch_us_ * 1000 + now_.nanos(); }

  // Moves time forward to t. Asserts that time never goes backwards.
  void AdvanceTo(Time t) {
    MQSIM_ASSERT_MSG(t >= now_, "virtual time must never go backwards");
    now_ = t;
  }
  void Advance(Duration d) { AdvanceTo(now_ + d); }

 private:
  int64_t wall_epoch_us_;
  Time now_ = Time::Zero();
};

}  // namespace mqsim::sim
