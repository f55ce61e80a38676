#include "sim/sync.h"

#include <catch2/catch.hpp>

#include "sim/simulation.h"

namespace mqsim::sim {

TEST_CASE("Event wakes every waiter and stays set until reset") {
  Simulation sim(2);
  Scheduler& s = sim.scheduler();
  Event ev(s, "go");
  int woke = 0;
  for (int i = 0; i < 3; ++i) {
    s.Spawn("w", [&]() -> Task<void> {
      co_await ev.Wait();
      ++woke;
    });
  }
  s.Spawn("setter", [&]() -> Task<void> {
    co_await s.SleepFor(Duration::Seconds(1));
    ev.Set();
  });
  s.RunUntilQuiescent();
  CHECK(woke == 3);
  s.Spawn("late", [&]() -> Task<void> {
    co_await ev.Wait();  // already set: no suspension
    ++woke;
  });
  s.RunUntilQuiescent();
  CHECK(woke == 4);
}

TEST_CASE("Condition: NotifyOne wakes in FIFO order, skipping cancelled waiters") {
  Simulation sim(2);
  Scheduler& s = sim.scheduler();
  Condition cond(s, "c");
  std::vector<std::string> order;
  std::vector<TaskHandle> handles;
  for (const char* name : {"first", "second", "third"}) {
    handles.push_back(s.Spawn(name, [&, name]() -> Task<void> {
      co_await s.SleepFor(Duration::Millis(name[0]));  // f < s < t: deterministic arrival
      co_await cond.Wait();
      order.push_back(name);
    }));
  }
  s.RunUntilQuiescent();  // all three wait now (a deadlock until notified)
  s.Cancel(handles[0].id);
  CHECK(cond.NotifyOne());
  s.RunUntilQuiescent();
  CHECK(order == std::vector<std::string>{"second"});
  CHECK(cond.NotifyAll() == 1);
  s.RunUntilQuiescent();
  CHECK(order == std::vector<std::string>{"second", "third"});
  CHECK_FALSE(cond.NotifyOne());
}

TEST_CASE("Condition::WaitFor times out at the deadline or returns early when notified") {
  Simulation sim(2);
  Scheduler& s = sim.scheduler();
  Condition cond(s, "c");
  bool first = true, second = false;
  Time t1, t2;
  s.Spawn("timeout", [&]() -> Task<void> {
    first = co_await cond.WaitFor(Duration::Seconds(2));
    t1 = s.now();
    second = co_await cond.WaitFor(Duration::Seconds(10));
    t2 = s.now();
  });
  s.CallAt(Time::Zero() + Duration::Seconds(5), "notify", [&] { cond.NotifyOne(); });
  CHECK(s.RunUntilQuiescent().outcome == RunOutcome::kQuiescent);
  CHECK_FALSE(first);
  CHECK(t1 == Time::Zero() + Duration::Seconds(2));
  CHECK(second);
  CHECK(t2 == Time::Zero() + Duration::Seconds(5));
}

TEST_CASE("Timed-out waiters do not pile up in a condition") {
  Simulation sim(2);
  Scheduler& s = sim.scheduler();
  Condition cond(s, "c");
  s.Spawn("poller", [&]() -> Task<void> {
    for (int i = 0; i < 1000; ++i) co_await cond.WaitFor(Duration::Millis(1));
  });
  s.RunUntilQuiescent();
  CHECK(cond.waiters() <= 1);
}

}  // namespace mqsim::sim
