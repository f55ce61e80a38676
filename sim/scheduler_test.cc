#include "sim/scheduler.h"

#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <set>

#include "sim/self_demo.h"
#include "sim/simulation.h"
#include "sim/sync.h"

namespace mqsim::sim {

namespace {

// A few tasks that interleave at every yield; returns the order in which they ran.
std::vector<int> Interleaving(uint64_t seed) {
  Simulation sim(seed);
  std::vector<int> order;
  for (int t = 0; t < 4; ++t) {
    sim.scheduler().Spawn("t" + std::to_string(t), [&sim, &order, t]() -> Task<void> {
      for (int i = 0; i < 5; ++i) {
        order.push_back(t);
        co_await sim.scheduler().Yield();
      }
    });
  }
  REQUIRE(sim.scheduler().RunUntilQuiescent().outcome == RunOutcome::kQuiescent);
  return order;
}

}  // namespace

TEST_CASE("Same seed, same interleaving; different seeds, different interleavings") {
  std::set<std::vector<int>> distinct;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const std::vector<int> a = Interleaving(seed);
    CHECK(a == Interleaving(seed));
    CHECK(a.size() == 20);
    distinct.insert(a);
  }
  CHECK(distinct.size() >= 15);
}

TEST_CASE("Same seed gives an identical trace hash over many seeds") {
  std::set<uint64_t> hashes;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    SelfDemoOptions o;
    o.seed = seed;
    o.messages_per_producer = 20;
    Trace t1, t2;
    const SelfDemoResult a = RunSelfDemo(o, t1);
    const SelfDemoResult b = RunSelfDemo(o, t2);
    REQUIRE(a.trace_hash == b.trace_hash);
    REQUIRE(a.steps == b.steps);
    CHECK(a.ok());
    hashes.insert(a.trace_hash);
  }
  CHECK(hashes.size() == 30);
}

TEST_CASE("Timers fire in time order; ties are broken by the seed") {
  std::set<std::vector<int>> tie_orders;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    Simulation sim(seed);
    std::vector<std::pair<Time, int>> fired;
    const int64_t delays_ms[] = {50, 10, 30, 10, 20, 10, 40};
    for (int i = 0; i < 7; ++i) {
      sim.scheduler().CallAfter(Duration::Millis(delays_ms[i]), "timer",
                                [&, i] { fired.emplace_back(sim.now(), i); });
    }
    sim.scheduler().RunUntilQuiescent();
    REQUIRE(fired.size() == 7);
    for (size_t k = 1; k < fired.size(); ++k) CHECK(fired[k - 1].first <= fired[k].first);
    for (const auto& [when, i] : fired)
      CHECK(when == Time::Zero() + Duration::Millis(delays_ms[i]));
    tie_orders.insert({fired[0].second, fired[1].second, fired[2].second});
  }
  CHECK(tie_orders.size() == 6);  // all orders of the three 10 ms timers appear
}

TEST_CASE("Sleep advances virtual time exactly, without real waiting") {
  Simulation sim(1);
  Time woke;
  sim.scheduler().Spawn("sleeper", [&]() -> Task<void> {
    co_await sim.scheduler().SleepFor(Duration::Hours(24 * 365));
    woke = sim.now();
  });
  sim.scheduler().RunUntilQuiescent();
  CHECK(woke == Time::Zero() + Duration::Hours(24 * 365));
}

TEST_CASE("Deadlock is detected and names the waiting tasks") {
  Simulation sim(1);
  Event never(sim.scheduler(), "never-set");
  sim.scheduler().Spawn("stuck-a", [&]() -> Task<void> { co_await never.Wait(); });
  sim.scheduler().Spawn("stuck-b", [&]() -> Task<void> { co_await never.Wait(); });
  sim.scheduler().Spawn(
      "server", [&]() -> Task<void> { co_await never.Wait(); }, SpawnOptions{.daemon = true});
  sim.scheduler().Spawn(
      "fine", [&]() -> Task<void> { co_await sim.scheduler().SleepFor(Duration::Seconds(1)); });
  const RunResult r = sim.scheduler().RunUntilQuiescent();
  REQUIRE(r.outcome == RunOutcome::kDeadlock);
  REQUIRE(r.blocked.size() == 2);
  CHECK(r.blocked[0].name == "stuck-a");
  CHECK(r.blocked[1].waiting_on == "event 'never-set'");
  CHECK(r.now == Time::Zero() + Duration::Seconds(1));
  CHECK(r.ToString().find("stuck-b") != std::string::npos);
}

TEST_CASE("A daemon waiting forever is quiescence, not deadlock") {
  Simulation sim(1);
  Event never(sim.scheduler(), "never-set");
  sim.scheduler().Spawn(
      "server", [&]() -> Task<void> { co_await never.Wait(); }, SpawnOptions{.daemon = true});
  CHECK(sim.scheduler().RunUntilQuiescent().outcome == RunOutcome::kQuiescent);
}

TEST_CASE("Cancellation releases joiners and destroys the whole call chain") {
  Simulation sim(1);
  Scheduler& s = sim.scheduler();
  struct Guard {
    int* destroyed;
    ~Guard() { ++*destroyed; }
  };
  int destroyed = 0;
  auto inner = [&]() -> Task<int> {
    Guard g{&destroyed};
    co_await s.SleepFor(Duration::Hours(1));
    co_return 1;
  };
  TaskHandle victim = s.Spawn(
      "victim",
      [&]() -> Task<void> {
        Guard g{&destroyed};
        co_await inner();
      },
      SpawnOptions{.process = 7});
  JoinResult joined = JoinResult::kCompleted;
  s.Spawn("joiner", [&]() -> Task<void> { joined = co_await s.Join(victim); });
  s.Spawn("killer", [&]() -> Task<void> {
    co_await s.SleepFor(Duration::Seconds(5));
    CHECK(s.CancelProcess(7) == 1);
  });
  const RunResult r = s.RunUntilQuiescent();
  CHECK(r.outcome == RunOutcome::kQuiescent);
  CHECK(joined == JoinResult::kCancelled);
  CHECK(destroyed == 2);
  CHECK(r.now == Time::Zero() + Duration::Seconds(5));  // the 1 h timer died with the task
  CHECK_FALSE(s.IsAlive(victim.id));
}

TEST_CASE("A task can cancel itself; it stops at its next suspension") {
  Simulation sim(1);
  Scheduler& s = sim.scheduler();
  int steps = 0;
  s.Spawn("self", [&]() -> Task<void> {
    ++steps;
    s.Cancel(s.current_task());
    co_await s.Yield();
    ++steps;  // never reached
  });
  s.RunUntilQuiescent();
  CHECK(steps == 1);
  CHECK(s.live_tasks() == 0);
}

TEST_CASE("Join returns after completion; nested tasks return values and exceptions") {
  Simulation sim(1);
  Scheduler& s = sim.scheduler();
  auto add = [&](int a, int b) -> Task<int> {
    co_await s.SleepFor(Duration::Millis(a));
    co_return a + b;
  };
  auto boom = [&]() -> Task<int> {
    co_await s.Yield();
    throw std::runtime_error("boom");
  };
  int sum = 0;
  std::string caught;
  TaskHandle worker = s.Spawn("worker", [&]() -> Task<void> {
    sum = co_await add(2, 3);
    try {
      co_await boom();
    } catch (const std::runtime_error& e) {
      caught = e.what();
    }
  });
  JoinResult joined = JoinResult::kCancelled;
  s.Spawn("joiner", [&]() -> Task<void> { joined = co_await s.Join(worker); });
  s.RunUntilQuiescent();
  CHECK(sum == 5);
  CHECK(caught == "boom");
  CHECK(joined == JoinResult::kCompleted);
}

TEST_CASE("An exception escaping a task fails the run with the task's name") {
  Simulation sim(1);
  sim.scheduler().Spawn("faulty", []() -> Task<void> {
    throw std::logic_error("invariant broken");
    co_return;
  });
  CHECK_THROWS_WITH(sim.scheduler().RunUntilQuiescent(), "task 'faulty' failed: invariant broken");
}

TEST_CASE("RunUntil stops at the deadline and can resume; Stop stops early") {
  Simulation sim(1);
  Scheduler& s = sim.scheduler();
  int ticks = 0;
  std::function<void()> tick = [&] {
    ++ticks;
    s.CallAfter(Duration::Seconds(1), "tick", tick);
  };
  s.CallAfter(Duration::Seconds(1), "tick", tick);
  RunResult r = s.RunFor(Duration::Millis(10'500));
  CHECK(r.outcome == RunOutcome::kDeadline);
  CHECK(ticks == 10);
  CHECK(sim.now() == Time::Zero() + Duration::Millis(10'500));
  s.CallAfter(Duration::Seconds(3), "stopper", [&] { s.Stop(); });
  r = s.RunFor(Duration::Hours(1));
  CHECK(r.outcome == RunOutcome::kStopped);
  CHECK(sim.now() == Time::Zero() + Duration::Millis(13'500));
}

TEST_CASE("Cancelled timers and callbacks of a crashed process never run") {
  Simulation sim(1);
  Scheduler& s = sim.scheduler();
  int ran = 0;
  const TimerId t = s.CallAfter(Duration::Seconds(1), "x", [&] { ++ran; });
  CHECK(s.CancelTimer(t));
  s.CallAfter(
      Duration::Seconds(1), "y", [&] { ++ran; }, /*process=*/3);
  s.Post(
      "z", [&] { ++ran; }, /*process=*/3);
  s.CancelProcess(3);
  s.RunUntilQuiescent();
  CHECK(ran == 0);
}

TEST_CASE("Scheduler properties") {
  rc::prop("every spawned sleeper wakes exactly at its deadline, in time order",
           [](uint64_t seed, std::vector<uint16_t> delays_ms) {
             Simulation sim(seed);
             std::vector<Time> woke;
             for (size_t i = 0; i < delays_ms.size(); ++i) {
               const Duration d = Duration::Millis(delays_ms[i]);
               sim.scheduler().Spawn("s", [&sim, &woke, d]() -> Task<void> {
                 co_await sim.scheduler().SleepFor(d);
                 RC_ASSERT(sim.now() == Time::Zero() + d);
                 woke.push_back(sim.now());
               });
             }
             RC_ASSERT(sim.scheduler().RunUntilQuiescent().outcome == RunOutcome::kQuiescent);
             RC_ASSERT(woke.size() == delays_ms.size());
             RC_ASSERT(std::is_sorted(woke.begin(), woke.end()));
           });
}

}  // namespace mqsim::sim

namespace mqsim::sim {

TEST_CASE("A paused process runs nothing during the pause; its timers fire late") {
  Simulation sim(3);
  Scheduler& s = sim.scheduler();
  std::vector<Time> ticks;
  s.Spawn(
      "ticker",
      [&]() -> Task<void> {
        for (int i = 0; i < 10; ++i) {
          co_await s.SleepFor(Duration::Millis(500));
          ticks.push_back(s.now());
        }
      },
      SpawnOptions{.process = 5});
  std::vector<Time> other;
  s.Spawn(
      "other-process",
      [&]() -> Task<void> {
        for (int i = 0; i < 6; ++i) {
          co_await s.SleepFor(Duration::Millis(500));
          other.push_back(s.now());
        }
      },
      SpawnOptions{.process = 6});
  s.CallAt(Time::Zero() + Duration::Millis(1200), "gc", [&] {
    s.PauseProcess(5, s.now() + Duration::Millis(1600));  // 1.2 s .. 2.8 s
  });
  s.RunUntilQuiescent();
  REQUIRE(ticks.size() == 10);
  CHECK(ticks[0] == Time::Zero() + Duration::Millis(500));
  CHECK(ticks[1] == Time::Zero() + Duration::Millis(1000));
  CHECK(ticks[2] == Time::Zero() + Duration::Millis(2800));  // due at 1.5 s, ran late
  CHECK(ticks[3] == Time::Zero() + Duration::Millis(3300));
  for (size_t i = 0; i < other.size(); ++i) {
    CHECK(other[i] == Time::Zero() + Duration::Millis(500 * static_cast<int64_t>(i + 1)));
  }
  CHECK_FALSE(s.IsPaused(5));
}

}  // namespace mqsim::sim
