// Random: the project's own seeded PRNG (xoshiro256**), portable bit for bit.
//
// std::uniform_int_distribution and friends give different sequences on different standard
// libraries, so every draw in mqsim goes through this class: bounded integers (Lemire's
// unbiased method), doubles with 53 random bits, shuffles, weighted choices.
//
// Streams: a Random is identified by (run seed, stream path). Stream("disk") and
// Stream("scheduler") of the same run seed are independent, so adding a draw in one
// component never shifts another component's draws. Fork("child") derives a sub-stream.
//
// Every draw is reported to an optional DrawObserver (the run's Trace), which folds it
// into the run hash.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "base/assert.h"

namespace mqsim::sim {

class DrawObserver {
 public:
  virtual ~DrawObserver() = default;
  virtual void OnDraw(uint64_t stream_id, uint64_t value) = 0;
};

class Random {
 public:
  // The root stream of a run.
  explicit Random(uint64_t run_seed, DrawObserver* observer = nullptr)
      : Random(run_seed, /*stream_id=*/0, observer) {}

  // An independent named stream of the same run (same observer).
  Random Stream(std::string_view name) const;
  // A sub-stream of this stream: Stream("a").Fork("b") differs from Stream("b").
  Random Fork(std::string_view name) const { return Stream(name); }

  uint64_t run_seed() const { return run_seed_; }
  uint64_t stream_id() const { return stream_id_; }

  uint64_t NextU64();
  // Uniform in [0, n); n > 0.
  uint64_t Below(uint64_t n);
  // Uniform in [lo, hi], inclusive; lo <= hi.
  int64_t Uniform(int64_t lo, int64_t hi);
  // Uniform double in [0, 1) with 53 random bits.
  double Unit();
  // True with probability p (p <= 0 never draws true, p >= 1 always).
  bool Chance(double p);
  // Exponentially distributed with the given mean (> 0); for Poisson fault arrivals.
  double Exponential(double mean);
  // Index i with probability weights[i] / sum(weights); weights non-negative, sum > 0.
  size_t WeightedIndex(std::span<const double> weights);

  template <class T>
  void Shuffle(std::span<T> items) {
    for (size_t i = items.size(); i > 1; --i) {
      const size_t j = static_cast<size_t>(Below(i));
      std::swap(items[i - 1], items[j]);
    }
  }
  template <class T>
  const T& Pick(std::span<const T> items) {
    MQSIM_ASSERT(!items.empty());
    return items[Below(items.size())];
  }

  void set_observer(DrawObserver* observer) { observer_ = observer; }

 private:
  Random(uint64_t run_seed, uint64_t stream_id, DrawObserver* observer);

  uint64_t run_seed_;
  uint64_t stream_id_;
  uint64_t s_[4];
  DrawObserver* observer_;
};

// SplitMix64 finalizer: a strong 64-bit mixing function (used for seeding and hashing).
uint64_t Mix64(uint64_t x);

}  // namespace mqsim::sim
