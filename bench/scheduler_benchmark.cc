// Scheduler throughput: steps per second and timer operations per second.
//
// Method: each benchmark builds a fresh Simulation per iteration batch and counts the work
// it does (scheduler steps, timers armed and fired) as items; Google Benchmark reports
// items_per_second. Single thread, -c opt. Run:
//   bazel run //bench:scheduler_benchmark -- --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include "sim/simulation.h"
#include "sim/sync.h"

namespace mqsim::sim {
namespace {

// Task switches: `tasks` tasks each yielding until the total reaches state.range(1) steps.
void BM_YieldSteps(benchmark::State& state) {
  const int tasks = static_cast<int>(state.range(0));
  const int yields = 100'000 / tasks;
  uint64_t steps = 0;
  for (auto _ : state) {
    Simulation sim(1);
    for (int t = 0; t < tasks; ++t) {
      sim.scheduler().Spawn("t", [&sim, yields]() -> Task<void> {
        for (int i = 0; i < yields; ++i) co_await sim.scheduler().Yield();
      });
    }
    sim.scheduler().RunUntilQuiescent();
    steps += sim.scheduler().total_steps();
  }
  state.SetItemsProcessed(static_cast<int64_t>(steps));
  state.counters["steps"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_YieldSteps)->Arg(1)->Arg(16)->Arg(1024);

// Timer operations: sleeping tasks with seeded delays (arm + fire = one item each).
void BM_SleepTimers(benchmark::State& state) {
  const int tasks = static_cast<int>(state.range(0));
  const int sleeps = 100'000 / tasks;
  uint64_t timers = 0;
  for (auto _ : state) {
    Simulation sim(2);
    for (int t = 0; t < tasks; ++t) {
      Random rng = sim.Stream("bench").Fork(std::to_string(t));
      sim.scheduler().Spawn("t", [&sim, rng, sleeps]() mutable -> Task<void> {
        for (int i = 0; i < sleeps; ++i) {
          co_await sim.scheduler().SleepFor(Duration::Micros(rng.Uniform(1, 1'000'000)));
        }
      });
    }
    sim.scheduler().RunUntilQuiescent();
    timers += static_cast<uint64_t>(tasks) * static_cast<uint64_t>(sleeps);
  }
  state.SetItemsProcessed(static_cast<int64_t>(timers));
}
BENCHMARK(BM_SleepTimers)->Arg(1)->Arg(64)->Arg(4096);

// Plain callback timers (the path RocksDB background jobs and engine ticks take).
void BM_CallbackTimers(benchmark::State& state) {
  uint64_t fired = 0;
  for (auto _ : state) {
    Simulation sim(3);
    Random rng = sim.Stream("bench");
    for (int i = 0; i < 100'000; ++i) {
      sim.scheduler().CallAfter(Duration::Micros(rng.Uniform(1, 10'000'000)), "cb",
                                [&fired] { ++fired; });
    }
    sim.scheduler().RunUntilQuiescent();
  }
  state.SetItemsProcessed(static_cast<int64_t>(fired));
}
BENCHMARK(BM_CallbackTimers);

// Producer/consumer hand-off through a Condition (wake + switch per message).
void BM_ConditionHandoff(benchmark::State& state) {
  uint64_t messages = 0;
  for (auto _ : state) {
    Simulation sim(4);
    Scheduler& s = sim.scheduler();
    Condition cond(s, "q");
    int queued = 0;
    bool done = false;
    s.Spawn("producer", [&]() -> Task<void> {
      for (int i = 0; i < 100'000; ++i) {
        ++queued;
        cond.NotifyOne();
        co_await s.Yield();
      }
      done = true;
      cond.NotifyAll();
    });
    s.Spawn("consumer", [&]() -> Task<void> {
      for (;;) {
        while (queued == 0) {
          if (done) co_return;
          co_await cond.Wait();
        }
        --queued;
        ++messages;
      }
    });
    s.RunUntilQuiescent();
  }
  state.SetItemsProcessed(static_cast<int64_t>(messages));
}
BENCHMARK(BM_ConditionHandoff);

void BM_RandomDraws(benchmark::State& state) {
  Trace trace;
  Random rng(5, &trace);
  uint64_t sink = 0;
  for (auto _ : state) sink += rng.Below(1000);
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RandomDraws);

}  // namespace
}  // namespace mqsim::sim

BENCHMARK_MAIN();
