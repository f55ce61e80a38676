#include "sim/determinism.h"

#include <catch2/catch.hpp>

#include "sim/self_demo.h"
#include "sim/simulation.h"

namespace mqsim::sim {

TEST_CASE("The self-demo is deterministic for many seeds") {
  for (uint64_t seed : {1, 2, 3, 99, 123456789}) {
    SelfDemoOptions o;
    o.seed = seed;
    o.messages_per_producer = 30;
    const DeterminismReport report = CheckDeterminism([&](Trace& t) { (void)RunSelfDemo(o, t); });
    INFO(report.ToString());
    CHECK(report.deterministic);
    CHECK(report.steps_a > 100);
  }
}

namespace {

// A world with one deliberately nondeterministic task: on its 7th iteration it reads
// hidden state that differs between consecutive runs (here the parity of a process-wide
// counter, standing in for a hash-table order or an address).
int g_runs = 0;

void LeakyWorld(Trace& trace) {
  ++g_runs;
  Simulation sim(5, &trace);
  Scheduler& s = sim.scheduler();
  s.Spawn("honest", [&]() -> Task<void> {
    for (int i = 0; i < 20; ++i) {
      co_await s.SleepFor(Duration::Millis(10));
      s.trace().Event("honest.tick").Kv("i", i);
    }
  });
  s.Spawn("leaky", [&]() -> Task<void> {
    for (int i = 0; i < 20; ++i) {
      co_await s.SleepFor(Duration::Millis(15));
      const int64_t value = i == 7 ? g_runs % 2 : 0;  // the bug
      s.trace().Event("leaky.tick").Kv("i", i).Kv("value", value);
    }
  });
  s.RunUntilQuiescent();
}

}  // namespace

TEST_CASE("A nondeterministic task is caught at the exact step, both events shown") {
  g_runs = 0;
  const DeterminismReport report = CheckDeterminism(LeakyWorld);
  REQUIRE_FALSE(report.deterministic);
  // Find the step of leaky's 8th tick in run A's context: it must be the divergent one.
  const TraceEvent* a = nullptr;
  const TraceEvent* b = nullptr;
  for (const TraceEvent& e : report.context_a) {
    if (e.step == report.first_divergent_step) a = &e;
  }
  for (const TraceEvent& e : report.context_b) {
    if (e.step == report.first_divergent_step) b = &e;
  }
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  CHECK(a->kind == "leaky.tick");
  CHECK(a->actor == "leaky");
  CHECK(std::get<int64_t>(a->fields[0].second) == 7);
  CHECK(a->time == Time::Zero() + Duration::Millis(15 * 8));
  CHECK(a->ToString() != b->ToString());
  const std::string text = report.ToString();
  INFO(text);
  CHECK(text.find("NONDETERMINISM: first divergent step") == 0);
  CHECK_FALSE(report.context_a_rerun_diverged);
  CHECK(text.find("run A: step " + std::to_string(report.first_divergent_step) +
                  " @0.12s [leaky] leaky.tick i=7 value=1") != std::string::npos);
  CHECK(text.find("run B: step " + std::to_string(report.first_divergent_step) +
                  " @0.12s [leaky] leaky.tick i=7 value=0") != std::string::npos);
}

TEST_CASE("A hidden extra random draw is caught even when events read the same") {
  int run = 0;
  const DeterminismReport report = CheckDeterminism([&](Trace& trace) {
    ++run;
    Simulation sim(8, &trace);
    Random rng = sim.Stream("app");
    for (int i = 0; i < 10; ++i) {
      if (i == 4 && run == 2) rng.NextU64();  // a draw only the second run makes
      trace.Event("step").Kv("i", i);
    }
  });
  REQUIRE_FALSE(report.deterministic);
  CHECK(report.ToString().find("random draws or hidden state") != std::string::npos);
}

}  // namespace mqsim::sim
