// Retention and limits under faults, judged by the history checkers: rocksmq with time and
// size retention and natsmq with MaxMsgs/MaxAge limits run a produce/consume workload with
// periodic full reads while the FaultInjector crashes the node, cuts power, pauses it and
// starves its retention or expiry job. The history must pass ordering, no-gap and seek
// (retention-aware), latest, durability (retention-aware), retention bounds (never early;
// late only within ticker + starvation + restart slack), no resurrection, and NATS limits.
#include <catch2/catch.hpp>

#include "backends/sim_store.h"
#include "faults/fault_injector.h"
#include "faults/store_target.h"
#include "properties/checkers.h"
#include "properties/recording_queue.h"
#include "properties/retention_checkers.h"
#include "sim/rocksdb_interpose.h"
#include "storage/job_names.h"
#include "storage/natsmq/record.h"

namespace mqsim {
namespace {

using backends::MqType;
using properties::EventKind;
using properties::History;
using properties::HistoryEvent;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMinute = 60 * kSecond;
const std::vector<std::string> kGroups = {"fast", "slow"};

struct Run {
  Run(MqType type, uint64_t seed)
      : sim((sim::ResetRocksDbInternals(seed), seed), nullptr), rng(sim.Stream("workload")) {
    backends::SimStoreOptions o;
    o.type = type;
    o.config.rocksmq.page_size_bytes = 4096;
    o.config.rocksmq.retention_time_minutes = 2;
    o.config.rocksmq.retention_size_mb = -1;
    o.config.rocksmq.ticker_interval_s = 10;
    o.config.natsmq.retention_max_msgs = 200;
    o.config.natsmq.retention_max_age_minutes = 3;
    o.config.natsmq.sync_interval_ms = 5000;
    store = std::make_unique<backends::SimStore>(&sim, o);
    store->jobs().set_observer([this](const std::string& job) {
      if (job == storage::jobs::kRocksMqRetention || job == storage::jobs::kNatsExpire) {
        history.Add(HistoryEvent{.time_ns = Now(), .kind = EventKind::kRetention, .payload = job});
      }
    });
    target = std::make_unique<faults::StoreTarget>(
        store.get(),
        faults::StoreTarget::Callbacks{
            [this](std::optional<sim::PowerLossMode> pl) {
              history.Add(HistoryEvent{.time_ns = Now(), .kind = EventKind::kCrash});
              if (pl) history.Add(HistoryEvent{.time_ns = Now(), .kind = EventKind::kPowerLoss});
            },
            [this] { Started(); }});
  }
  int64_t Now() const { return sim.now().nanos(); }

  void Started() {
    history.Add(HistoryEvent{.time_ns = Now(), .kind = EventKind::kRecover});
    queue = std::make_unique<properties::RecordingQueue>(
        store->queue(), &history, [this] { return Now(); }, store->durable_acks());
    (void)queue->CreateTopic("t");
    // Every group first (a new group sits at the earliest message and holds back page
    // acks), then each resumes after what it consumed (Milvus seeks to its checkpoint).
    // Seeking one before the other exists would let pages the other never read be acked.
    for (const std::string& g : kGroups) (void)queue->CreateConsumerGroup("t", g);
    for (const std::string& g : kGroups) {
      if (next[g] > 0) (void)queue->Seek("t", g, next[g]);
    }
    sim.scheduler().Spawn(
        "workload", [this] { return Workload(); }, sim::SpawnOptions{.process = store->process()});
  }

  void ReadAll() { (void)properties::RecordFullRead(*store->queue(), "t", &history, Now()); }

  sim::Task<void> Workload() {
    sim::Scheduler& s = sim.scheduler();
    sim::Time next_read = s.now() + sim::Duration::Seconds(20);
    for (;;) {
      co_await s.SleepFor(sim::Duration::Millis(rng.Uniform(20, 400)));
      for (int i = static_cast<int>(rng.Uniform(1, 3)); i > 0; --i) {
        const std::string payload = "m" + std::to_string(produced++) +
                                    std::string(static_cast<size_t>(rng.Uniform(10, 500)), 'x');
        target->Allocated(2 * payload.size());
        (void)queue->Produce("t", payload);
      }
      for (const std::string& g : kGroups) {
        if (g == "slow" && !rng.Chance(0.3)) continue;
        absl::StatusOr<std::vector<backends::Message>> got = queue->Consume("t", g, 6);
        if (got.ok() && !got->empty()) next[g] = got->back().id + 1;
      }
      if (s.now() >= next_read) {
        ReadAll();
        next_read = s.now() + sim::Duration::Seconds(20);
      }
    }
  }

  sim::Simulation sim;
  sim::Random rng;
  History history;
  std::unique_ptr<backends::SimStore> store;
  std::unique_ptr<faults::StoreTarget> target;
  std::unique_ptr<properties::RecordingQueue> queue;
  std::map<std::string, backends::MessageId> next;
  int produced = 0;
};

faults::FaultPlan Plan(int kind, const std::string& starve) {
  faults::FaultPlan p;
  switch (kind) {
    case 0:
      p.crash_interval = sim::Duration::Minutes(3);
      break;
    case 1:
      p.power_loss_interval = sim::Duration::Minutes(4);
      break;
    case 2:
      p.gc_interval = sim::Duration::Seconds(20);
      break;
    case 3:
      p.starve_job = starve;
      p.starve_interval = sim::Duration::Minutes(3);
      break;
    case 4:
      p.crash_at_op_interval = sim::Duration::Minutes(2);
      break;
  }
  return p;
}

std::string Judge(Run& r, MqType type, const faults::FaultPlan& plan) {
  using properties::Violation;
  std::optional<Violation> v =
      properties::CheckAll(r.history, properties::CheckOptions{.retention = true});
  if (!v) v = properties::CheckNoResurrection(r.history);
  if (!v && type == MqType::kRocksMq) {
    properties::RetentionBounds b;
    b.time_ns = 2 * kMinute;
    b.page_bytes = 4096;
    b.tick_ns = 10 * kSecond;
    // Late is allowed by: starvation, the longest restart delay, a GC pause, the 1 ms job cost.
    b.slack_ns = r.store->jobs().longest_starvation().nanos() + plan.restart_delay_max.nanos() +
                 plan.gc_pause_max.nanos() + kSecond;
    v = properties::CheckRetention(r.history, b);
  }
  if (!v && type == MqType::kNatsMq) {
    properties::NatsLimits l{200, -1, 3 * kMinute,
                             r.store->jobs().longest_starvation().nanos() +
                                 plan.restart_delay_max.nanos() + plan.gc_pause_max.nanos(),
                             [](const std::string& t, uint64_t p) {
                               return properties::JetStreamStoredBytes(t.size(), 0, p);
                             }};
    v = properties::CheckNatsLimits(r.history, l);
  }
  return v ? v->ToString(r.history) : "";
}

void Check(MqType type, const std::string& starve) {
  static const char* kNames[] = {"crash", "power loss", "gc pause", "starvation", "crash in call"};
  for (int kind = 0; kind < 5; ++kind) {
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      const faults::FaultPlan plan = Plan(kind, starve);
      Run r(type, seed);
      REQUIRE(r.target->Restart());
      {
        faults::FaultInjector injector(&r.sim, plan, r.target.get());
        r.sim.scheduler().RunFor(sim::Duration::Minutes(12));
      }
      r.sim.scheduler().RunFor(sim::Duration::Seconds(5));
      if (!r.store->up()) REQUIRE(r.target->Restart());
      r.ReadAll();
      const std::string problem = Judge(r, type, plan);
      INFO(backends::ToString(type)
           << " under " << kNames[kind] << ", seed " << seed << ": " << problem);
      CHECK(problem.empty());
      CHECK(r.history.size() > 2000);
      size_t passes = 0;
      for (const auto& e : r.history.events()) passes += e.kind == EventKind::kRetention ? 1 : 0;
      // rocksmq's retention passes are in the history (one per tick while up); natsmq's
      // expiry job runs only at expiry deadlines, which publishing and recovery often beat.
      if (type == MqType::kRocksMq) CHECK(passes > 20);
      r.sim.scheduler().CancelProcess(r.store->process());
    }
  }
}

TEST_CASE("rocksmq retention holds its bounds under faults") {
  Check(MqType::kRocksMq, storage::jobs::kRocksMqRetention);
}

TEST_CASE("natsmq limits hold under faults") { Check(MqType::kNatsMq, storage::jobs::kNatsExpire); }

}  // namespace
}  // namespace mqsim
