#include "sim/random.h"

#include <xxhash.h>

#include <cmath>

namespace mqsim::sim {

uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

namespace {
uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

Random::Random(uint64_t run_seed, uint64_t stream_id, DrawObserver* observer)
    : run_seed_(run_seed), stream_id_(stream_id), observer_(observer) {
  // SplitMix64 sequence seeded from (run seed, stream id): never all-zero state.
  uint64_t x = Mix64(run_seed) ^ Rotl(Mix64(stream_id ^ 0x6a09e667f3bcc909ULL), 17);
  for (uint64_t& word : s_) {
    x += 0x9e3779b97f4a7c15ULL;
    word = Mix64(x);
  }
}

Random Random::Stream(std::string_view name) const {
  const uint64_t child = XXH3_64bits_withSeed(name.data(), name.size(), stream_id_);
  return Random(run_seed_, child, observer_);
}

uint64_t Random::NextU64() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  if (observer_ != nullptr) observer_->OnDraw(stream_id_, result);
  return result;
}

uint64_t Random::Below(uint64_t n) {
  MQSIM_ASSERT(n > 0);
  // Lemire, "Fast Random Integer Generation in an Interval" (2019): unbiased.
  uint64_t x = NextU64();
  unsigned __int128 m = static_cast<unsigned __int128>(x) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      x = NextU64();
      m = static_cast<unsigned __int128>(x) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

int64_t Random::Uniform(int64_t lo, int64_t hi) {
  MQSIM_ASSERT(lo <= hi);
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
  const uint64_t offset = span == 0 ? NextU64() : Below(span);  // span 0: the full range
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + offset);
}

double Random::Unit() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }

bool Random::Chance(double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return Unit() < p;
}

double Random::Exponential(double mean) {
  MQSIM_ASSERT(mean > 0);
  // 1 - Unit() lies in (0, 1], so the logarithm is finite.
  return -mean * std::log(1.0 - Unit());
}

size_t Random::WeightedIndex(std::span<const double> weights) {
  double total = 0;
  for (double w : weights) {
    MQSIM_ASSERT(w >= 0);
    total += w;
  }
  MQSIM_ASSERT_MSG(total > 0, "weighted choice needs a positive total weight");
  double r = Unit() * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (r < weights[i]) return i;
    r -= weights[i];
  }
  // Rounding can leave r just above the last positive weight: pick that one.
  for (size_t i = weights.size(); i-- > 0;) {
    if (weights[i] > 0) return i;
  }
  MQSIM_ASSERT(false);
  return 0;
}

}  // namespace mqsim::sim
