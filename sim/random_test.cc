#include "sim/random.h"

#include <rapidcheck/catch.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <numeric>
#include <vector>

namespace mqsim::sim {

TEST_CASE("Random is a pure function of (seed, stream)") {
  // Golden values pin the algorithm: if these change, every recorded seed changes meaning.
  const uint64_t first = Random(42).NextU64();
  CHECK(Random(42).NextU64() == first);
  CHECK(Random(43).NextU64() != first);
  CHECK(Random(42).Stream("disk").NextU64() == Random(42).Stream("disk").NextU64());
  CHECK(Random(42).Stream("disk").NextU64() != Random(42).Stream("net").NextU64());
  CHECK(Random(42).Stream("a").Fork("b").NextU64() != Random(42).Stream("b").NextU64());
}

TEST_CASE("Random golden sequence is stable across builds") {
  // Pinned values: if they change, every recorded failing seed changes meaning.
  Random r(1);
  CHECK(r.NextU64() == 8777589507526557581ULL);
  CHECK(r.NextU64() == 12398912762180210704ULL);
  CHECK(r.NextU64() == 11784551659661221094ULL);
  CHECK(Random(1).Stream("disk").NextU64() == 1999839034193325161ULL);
  CHECK(Random(1).Below(1000000) == 475834);
}

TEST_CASE("Named streams are independent of each other's draws") {
  Random disk = Random(7).Stream("disk");
  Random sched = Random(7).Stream("scheduler");
  Random sched_alone = Random(7).Stream("scheduler");
  for (int i = 0; i < 100; ++i) disk.NextU64();  // many draws elsewhere
  for (int i = 0; i < 5; ++i) CHECK(sched.NextU64() == sched_alone.NextU64());
}

TEST_CASE("Bounded integers stay in range and cover it") {
  Random r(3);
  std::array<int, 7> counts{};
  for (int i = 0; i < 70000; ++i) {
    const int64_t v = r.Uniform(-3, 3);
    REQUIRE(v >= -3);
    REQUIRE(v <= 3);
    ++counts[static_cast<size_t>(v + 3)];
  }
  for (int c : counts) CHECK(std::abs(c - 10000) < 600);  // ~6 sigma
  CHECK(r.Uniform(INT64_MIN, INT64_MAX) != r.Uniform(INT64_MIN, INT64_MAX));
  CHECK(r.Uniform(5, 5) == 5);
}

TEST_CASE("Doubles, chances and exponential draws are sane") {
  Random r(11);
  double sum = 0;
  int hits = 0;
  for (int i = 0; i < 100000; ++i) {
    const double u = r.Unit();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += r.Exponential(2.0);
    hits += r.Chance(0.25) ? 1 : 0;
  }
  CHECK(sum / 100000 == Approx(2.0).epsilon(0.03));
  CHECK(hits == Approx(25000).epsilon(0.03));
  CHECK_FALSE(r.Chance(0.0));
  CHECK(r.Chance(1.0));
}

TEST_CASE("Weighted choice follows the weights and never picks zero weight") {
  Random r(5);
  const std::array<double, 4> w{1.0, 0.0, 3.0, 0.0};
  std::array<int, 4> counts{};
  for (int i = 0; i < 40000; ++i) ++counts[r.WeightedIndex(w)];
  CHECK(counts[1] == 0);
  CHECK(counts[3] == 0);
  CHECK(counts[2] == Approx(30000).epsilon(0.03));
}

TEST_CASE("Properties of Random") {
  rc::prop("Below(n) < n for every seed and bound", [](uint64_t seed, uint64_t n) {
    RC_PRE(n > 0);
    Random r(seed);
    for (int i = 0; i < 20; ++i) RC_ASSERT(r.Below(n) < n);
  });
  rc::prop("Shuffle is a permutation and depends only on the seed",
           [](uint64_t seed, std::vector<int> items) {
             std::vector<int> a = items, b = items;
             Random ra(seed), rb(seed);
             ra.Shuffle(std::span<int>(a));
             rb.Shuffle(std::span<int>(b));
             RC_ASSERT(a == b);
             std::sort(a.begin(), a.end());
             std::sort(items.begin(), items.end());
             RC_ASSERT(a == items);
           });
  rc::prop("Uniform(lo, hi) stays within bounds", [](uint64_t seed, int64_t x, int64_t y) {
    const int64_t lo = std::min(x, y), hi = std::max(x, y);
    Random r(seed);
    const int64_t v = r.Uniform(lo, hi);
    RC_ASSERT(v >= lo);
    RC_ASSERT(v <= hi);
  });
}

}  // namespace mqsim::sim
