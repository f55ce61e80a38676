#include "sim/time.h"

#include <catch2/catch.hpp>

#include "sim/clock.h"

namespace mqsim::sim {

TEST_CASE("Duration units convert exactly") {
  CHECK(Duration::Seconds(3).millis() == 3000);
  CHECK(Duration::Minutes(2) == Duration::Seconds(120));
  CHECK(Duration::Hours(1).micros() == 3'600'000'000LL);
  CHECK((Time::Zero() + Duration::Millis(5)) - Time::Zero() == Duration::Micros(5000));
}

TEST_CASE("Duration renders for humans") {
  CHECK(Duration::Zero().ToString() == "0s");
  CHECK(Duration::Millis(1500).ToString() == "1.5s");
  CHECK((Duration::Hours(1) + Duration::Minutes(2) + Duration::Millis(3004)).ToString() ==
        "1h02m03.004s");
  CHECK(Duration::Nanos(-2).ToString() == "-0.000000002s");
}

TEST_CASE("Duration parses scenario units") {
  CHECK(Duration::Parse("250ms") == Duration::Millis(250));
  CHECK(Duration::Parse("1h30m") == Duration::Minutes(90));
  CHECK(Duration::Parse("6h") == Duration::Hours(6));
  CHECK(Duration::Parse("500us") == Duration::Micros(500));
  CHECK(Duration::Parse("0") == Duration::Zero());
  CHECK_FALSE(Duration::Parse("").has_value());
  CHECK_FALSE(Duration::Parse("10").has_value());
  CHECK_FALSE(Duration::Parse("10 m").has_value());
  CHECK_FALSE(Duration::Parse("3d").has_value());
  CHECK_FALSE(Duration::Parse("99999999999999999999h").has_value());
}

TEST_CASE("VirtualClock only moves forward and maps to a wall epoch") {
  VirtualClock clock;
  CHECK(clock.now() == Time::Zero());
  clock.Advance(Duration::Seconds(2));
  CHECK(clock.wall_micros() == VirtualClock::kDefaultWallEpochUs + 2'000'000);
  clock.AdvanceTo(Time::Zero() + Duration::Seconds(2));  // equal is fine
  CHECK(clock.now() == Time::Zero() + Duration::Seconds(2));
}

}  // namespace mqsim::sim
