#include "sim/trace.h"

#include <catch2/catch.hpp>
#include <sstream>

namespace mqsim::sim {

TEST_CASE("Trace hash depends on every field, value, actor and time") {
  auto hash_of = [](auto emit) {
    VirtualClock clock;
    Trace t(&clock);
    emit(t, clock);
    return t.hash();
  };
  const uint64_t base = hash_of([](Trace& t, VirtualClock&) { t.Event("k").Kv("a", 1); });
  CHECK(base == hash_of([](Trace& t, VirtualClock&) { t.Event("k").Kv("a", 1); }));
  CHECK(base != hash_of([](Trace& t, VirtualClock&) { t.Event("k").Kv("a", 2); }));
  CHECK(base != hash_of([](Trace& t, VirtualClock&) { t.Event("k").Kv("b", 1); }));
  CHECK(base != hash_of([](Trace& t, VirtualClock&) { t.Event("j").Kv("a", 1); }));
  CHECK(base != hash_of([](Trace& t, VirtualClock&) { t.Event("k").Kv("a", uint64_t{1}); }));
  CHECK(base != hash_of([](Trace& t, VirtualClock&) {
          t.set_actor("x");
          t.Event("k").Kv("a", 1);
        }));
  CHECK(base != hash_of([](Trace& t, VirtualClock& c) {
          c.Advance(Duration::Nanos(1));
          t.Event("k").Kv("a", 1);
        }));
}

TEST_CASE("Random draws feed the trace hash") {
  Trace t1, t2;
  Random r1(9, &t1), r2(9, &t2);
  r1.NextU64();
  CHECK(t1.hash() != t2.hash());
  r2.NextU64();
  CHECK(t1.hash() == t2.hash());
  CHECK(t1.draws() == 1);
}

TEST_CASE("JSONL writer emits one object per event with fields in order") {
  VirtualClock clock;
  Trace t(&clock);
  std::ostringstream out;
  JsonlTraceWriter writer(out);
  t.set_sink(&writer);
  t.set_actor("producer-1");
  clock.Advance(Duration::Millis(3));
  t.Event("disk.write").Kv("file", "000012.log").Kv("bytes", 4096).Kv("sync", true);
  t.Event("sleep").Kv("for", Duration::Seconds(1));
  const std::string s = out.str();
  CHECK(s.find("{\"step\":1,\"t_ns\":3000000,\"actor\":\"producer-1\",\"kind\":\"disk.write\","
               "\"file\":\"000012.log\",\"bytes\":4096,\"sync\":true,\"hash\":\"") == 0);
  CHECK(std::count(s.begin(), s.end(), '\n') == 2);
  CHECK(s.find("\"for\":1000000000") != std::string::npos);
}

TEST_CASE("Capture keeps exactly the requested window") {
  Trace t;
  std::vector<TraceEvent> got;
  t.Capture(3, 4, &got);
  for (int i = 1; i <= 6; ++i) t.Event("e").Kv("i", i);
  REQUIRE(got.size() == 2);
  CHECK(got[0].step == 3);
  CHECK(got[1].ToString() == "step 4 @0s [] e i=4");
}

}  // namespace mqsim::sim
