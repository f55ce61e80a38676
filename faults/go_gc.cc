#include "faults/go_gc.h"

#include <algorithm>

namespace mqsim::faults {

GoGc::GoGc(GoGcOptions options, sim::Random* rng)
    : options_(options), rng_(rng), live_(options.live_min_bytes), heap_(live_) {
  goal_ = live_ + live_ * static_cast<uint64_t>(options_.gogc) / 100;
}

std::optional<sim::Duration> GoGc::Allocate(uint64_t bytes, sim::Time now) {
  if (options_.gogc <= 0) return std::nullopt;
  heap_ += bytes;
  if (heap_ < goal_) return std::nullopt;
  return Cycle(now);
}

std::optional<sim::Duration> GoGc::Forced(sim::Time now) {
  if (options_.gogc <= 0 || now < next_forced()) return std::nullopt;
  return Cycle(now);
}

sim::Duration GoGc::Cycle(sim::Time now) {
  ++cycles_;
  last_cycle_ = now;
  // Mark work is proportional to the live heap; jitter of +-50% for scheduling noise.
  const int64_t mark_us =
      static_cast<int64_t>(live_ / std::max<uint64_t>(1, options_.mark_bytes_per_ms / 1000));
  const int64_t jittered =
      mark_us / 2 + static_cast<int64_t>(rng_->Below(static_cast<uint64_t>(mark_us) + 1));
  const sim::Duration pause =
      std::min(options_.pause_max, options_.pause_base + sim::Duration::Micros(jittered));
  live_ = static_cast<uint64_t>(rng_->Uniform(static_cast<int64_t>(options_.live_min_bytes),
                                              static_cast<int64_t>(options_.live_max_bytes)));
  heap_ = live_;
  goal_ = live_ + live_ * static_cast<uint64_t>(options_.gogc) / 100;
  return pause;
}

}  // namespace mqsim::faults
