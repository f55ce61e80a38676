#include "sim/self_demo.h"

#include <deque>
#include <set>

#include "sim/simulation.h"
#include "sim/sync.h"

namespace mqsim::sim {

namespace {

constexpr ProcessId kProducers = 1;
constexpr ProcessId kConsumers = 2;

// World state that outlives crashes of the consumer process.
struct World {
  explicit World(Simulation& sim)
      : sim(sim),
        not_empty(sim.scheduler(), "queue-not-empty"),
        not_full(sim.scheduler(), "queue-not-full") {}
  Simulation& sim;
  std::deque<uint64_t> queue;
  Condition not_empty;
  Condition not_full;
  std::set<uint64_t> seen;
  SelfDemoResult result;
  int producers_left = 0;
};

Task<void> Produce(World& w, int index, const SelfDemoOptions& o) {
  Scheduler& s = w.sim.scheduler();
  Random rng = w.sim.Stream("producer").Fork(std::to_string(index));
  for (int i = 0; i < o.messages_per_producer; ++i) {
    co_await s.SleepFor(Duration::Millis(rng.Uniform(1, 2000)));
    while (w.queue.size() >= static_cast<size_t>(o.queue_capacity)) co_await w.not_full.Wait();
    const uint64_t id = static_cast<uint64_t>(index) << 32 | static_cast<uint64_t>(i);
    w.queue.push_back(id);
    ++w.result.produced;
    s.trace().Event("demo.produce").Kv("msg", id).Kv("depth", w.queue.size());
    w.not_empty.NotifyOne();
  }
  --w.producers_left;
  w.not_empty.NotifyAll();  // let idle consumers notice the end
}

Task<void> Consume(World& w, Random rng) {
  Scheduler& s = w.sim.scheduler();
  for (;;) {
    while (w.queue.empty()) {
      if (w.producers_left == 0) co_return;
      co_await w.not_empty.Wait();
    }
    // Take the message only after the work is done: a crash mid-work leaves it queued.
    co_await s.SleepFor(Duration::Millis(rng.Uniform(1, 3000)));
    if (w.queue.empty()) continue;  // another consumer took it meanwhile
    const uint64_t id = w.queue.front();
    w.queue.pop_front();
    if (!w.seen.insert(id).second) ++w.result.duplicates;
    ++w.result.consumed;
    s.trace().Event("demo.consume").Kv("msg", id);
    w.not_full.NotifyOne();
  }
}

void StartConsumers(World& w, const SelfDemoOptions& o, uint64_t generation) {
  for (int c = 0; c < o.consumers; ++c) {
    Random rng = w.sim.Stream("consumer").Fork(std::to_string(generation * 1000 + c));
    w.sim.scheduler().Spawn(
        "consumer-" + std::to_string(c), [&w, rng]() mutable { return Consume(w, rng); },
        SpawnOptions{.process = kConsumers});
  }
}

Task<void> Faults(World& w, const SelfDemoOptions& o) {
  Scheduler& s = w.sim.scheduler();
  Random rng = w.sim.Stream("faults");
  uint64_t generation = 0;
  while (w.producers_left > 0) {
    const double gap_s = rng.Exponential(o.mean_crash_interval.seconds_f());
    co_await s.SleepFor(Duration::Millis(static_cast<int64_t>(gap_s * 1000)));
    const size_t killed = s.CancelProcess(kConsumers);
    ++w.result.crashes;
    s.trace().Event("demo.crash").Kv("tasks", static_cast<uint64_t>(killed));
    co_await s.SleepFor(Duration::Millis(rng.Uniform(100, 10'000)));
    s.trace().Event("demo.restart");
    StartConsumers(w, o, ++generation);
  }
}

}  // namespace

SelfDemoResult RunSelfDemo(const SelfDemoOptions& o, Trace& trace) {
  Simulation sim(o.seed, &trace);
  World w(sim);
  Scheduler& s = sim.scheduler();
  w.producers_left = o.producers;
  for (int p = 0; p < o.producers; ++p) {
    s.Spawn(
        "producer-" + std::to_string(p), [&w, p, &o] { return Produce(w, p, o); },
        SpawnOptions{.process = kProducers});
  }
  StartConsumers(w, o, 0);
  s.Spawn("faults", [&w, &o] { return Faults(w, o); });
  std::function<void()> report = [&] {
    s.trace()
        .Event("demo.progress")
        .Kv("produced", w.result.produced)
        .Kv("consumed", w.result.consumed);
    s.CallAfter(Duration::Minutes(1), "progress", report);
  };
  s.CallAfter(Duration::Minutes(1), "progress", report);
  const RunResult run = s.RunUntil(Time::Zero() + o.duration);
  w.result.steps = s.total_steps();
  w.result.end_time = sim.now();
  w.result.outcome = run.ToString();
  w.result.trace_hash = trace.hash();
  return w.result;
}

}  // namespace mqsim::sim
