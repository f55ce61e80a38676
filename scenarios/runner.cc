#include "scenarios/runner.h"

#include <map>
#include <memory>

#include "backends/sim_store.h"
#include "base/bug_modes.h"
#include "base/panic.h"
#include "faults/fault_injector.h"
#include "faults/store_target.h"
#include "properties/accounting_checker.h"
#include "properties/checkers.h"
#include "properties/delivery_checker.h"
#include "properties/milvus_data_path.h"
#include "properties/recording_queue.h"
#include "properties/retention_checkers.h"
#include "sim/run_context.h"
#include "sim/simulation.h"
#include "sim/sync.h"
#include "storage/job_names.h"
#include "storage/natsmq/record.h"

namespace mqsim::scenarios {

namespace {

using backends::MessageId;
using backends::MqType;
using properties::EventKind;
using properties::HistoryEvent;
using properties::Property;
using properties::Violation;

constexpr sim::ProcessId kNode = 1;

class Run {
 public:
  Run(const Scenario& sc, const RunOptions& o, MqType type)
      : sc_(sc),
        type_(type),
        sim_(o.seed, o.trace),
        rng_(sim_.Stream("workload")),
        plan_(sc.PlanFor(o.seed)) {
    // Milvus's names: physical channels and virtual channels named after them (so one
    // topic's name is a prefix of another's, as in production).
    for (int i = 0; i < sc.workload.topics; ++i) {
      topics_.push_back(i % 2 == 0 ? "by-dev-rootcoord-dml_" + std::to_string(i / 2)
                                   : "by-dev-rootcoord-dml_" + std::to_string(i / 2) + "_449" +
                                         std::to_string(i / 2) + "v0");
    }
    for (int i = 0; i < sc.workload.consumers.groups; ++i)
      groups_.push_back("g" + std::to_string(i));
    store_ = MakeStore(type_, kNode, "/data");
    target_ = std::make_unique<faults::StoreTarget>(
        store_.get(),
        faults::StoreTarget::Callbacks{
            [this](std::optional<sim::PowerLossMode> pl) {
              ++crashes_;
              subs_.clear();  // push consumers die with the process
              history_.Add(HistoryEvent{.time_ns = Now(), .kind = EventKind::kCrash});
              if (pl) history_.Add(HistoryEvent{.time_ns = Now(), .kind = EventKind::kPowerLoss});
            },
            [this] { Started(); }});
  }

  RunResult Execute() {
    RunResult r;
    r.store = std::string(backends::ToString(type_));
    r.plan = plan_.ToString();
    const sim::Time start = sim_.now();
    std::optional<Violation> v = sc_.workload.milvus.enabled ? RunMilvus() : RunWorkload();
    if (v) {
      r.pass = false;
      r.property = std::string(properties::Name(v->property));
      r.detail = v->ToString(history_);
      int64_t latest = -1;
      for (size_t i : v->events) latest = std::max(latest, history_.events()[i].time_ns);
      if (latest >= 0) r.failed_at = sim::Duration::Nanos(latest - start.nanos());
    }
    r.sim_time = sim_.now() - start;
    for (const auto& e : history_.events()) {
      if (e.kind == EventKind::kProduce && e.ok) ++r.acked;
      if (e.kind == EventKind::kConsume && e.ok) r.consumed += e.messages.size();
    }
    r.crashes = crashes_;
    sim_.scheduler().CancelProcess(kNode);
    return r;
  }

 private:
  int64_t Now() const { return sim_.now().nanos(); }

  std::unique_ptr<backends::SimStore> MakeStore(MqType type, sim::ProcessId process,
                                                const std::string& dir) {
    backends::SimStoreOptions o;
    o.type = type;
    o.config = sc_.config;
    if (sc_.workload.producers.sync) {
      o.config.rocksmq.produce_sync = true;
      o.config.natsmq.sync_always = true;
    }
    o.dir = dir;
    o.process = process;
    auto store = std::make_unique<backends::SimStore>(&sim_, o);
    store->jobs().set_observer([this](const std::string& job) {
      if (job == storage::jobs::kRocksMqRetention || job == storage::jobs::kNatsExpire) {
        history_.Add(HistoryEvent{.time_ns = Now(), .kind = EventKind::kRetention, .payload = job});
      }
    });
    return store;
  }

  // ---------------------------------------------------------------- generic workload

  void Started() {
    history_.Add(HistoryEvent{.time_ns = Now(), .kind = EventKind::kRecover});
    subs_.clear();
    queue_ = std::make_unique<properties::RecordingQueue>(
        store_->queue(), &history_, [this] { return Now(); }, store_->durable_acks());
    for (const std::string& t : topics_) (void)queue_->CreateTopic(t);
    // Every group first, then each resumes after what it read (docs/rocksmq.md, "Consumer groups"):
    // a group seeking alone would let pages another group never read be acked.
    for (const std::string& t : topics_) {
      for (const std::string& g : groups_) (void)queue_->CreateConsumerGroup(t, g);
    }
    for (const std::string& t : topics_) {
      for (const std::string& g : groups_) {
        const MessageId next = next_[{t, g}];
        if (next > 0) (void)queue_->Seek(t, g, next);
      }
    }
    for (const std::string& t : topics_) {
      for (size_t g = 0; g < groups_.size(); ++g) {
        if (IsPush(g)) Subscribe(t, groups_[g]);
      }
    }
    sim::Scheduler& s = sim_.scheduler();
    const sim::SpawnOptions opts{.process = kNode};
    for (int i = 0; i < sc_.workload.producers.count; ++i) {
      s.Spawn(
          "producer", [this] { return Producer(); }, opts);
    }
    for (size_t g = 0; g < groups_.size(); ++g) {
      s.Spawn(
          "consumer", [this, g] { return Consumer(g); }, opts);
    }
    s.Spawn(
        "reader", [this] { return Reader(); }, opts);
  }

  // The last push_groups groups read through push consumers.
  bool IsPush(size_t g) const {
    return g + static_cast<size_t>(sc_.workload.consumers.push_groups) >= groups_.size();
  }

  // A push consumer on (t, g) and its delivery task (the client's receive goroutine): it
  // runs whenever the store wakes it, and polls every second to retry failed fetches.
  void Subscribe(const std::string& t, const std::string& g) {
    auto& wake = wakes_[{t, g}];
    if (!wake) wake = std::make_unique<sim::Condition>(sim_.scheduler(), "wake " + t + "/" + g);
    sim::Condition* cond = wake.get();
    backends::SubscribeOptions o;
    o.buffer = static_cast<size_t>(sc_.workload.consumers.push_buffer);
    o.batch = sc_.workload.consumers.batch;
    o.wake = [cond] { cond->NotifyAll(); };
    absl::StatusOr<std::unique_ptr<backends::Subscriber>> sub =
        queue_->Subscribe(t, g, std::move(o));
    if (!sub.ok()) return;
    std::shared_ptr<backends::Subscriber> shared(std::move(*sub));
    subs_[{t, g}] = shared;
    std::weak_ptr<backends::Subscriber> weak = shared;
    sim_.scheduler().Spawn(
        "delivery",
        [this, cond, weak]() -> sim::Task<void> {
          for (;;) {
            (void)co_await cond->WaitFor(sim::Duration::Seconds(1));
            std::shared_ptr<backends::Subscriber> live = weak.lock();
            if (!live) co_return;  // re-subscribed or crashed
            live->Deliver();
          }
        },
        sim::SpawnOptions{.process = kNode});
  }

  sim::Task<void> Producer() {
    const ProducerSpec& p = sc_.workload.producers;
    sim::Scheduler& s = sim_.scheduler();
    const bool idles = p.idle_every > sim::Duration::Zero() && p.idle_for > sim::Duration::Zero();
    auto next_idle = [&] {
      return idles ? s.now() + sim::Duration::Millis(static_cast<int64_t>(
                                   rng_.Exponential(static_cast<double>(p.idle_every.millis()))))
                   : sim::Time::Max();
    };
    sim::Time idle_at = next_idle();
    for (;;) {
      if (s.now() >= idle_at) {  // a quiet period: nobody publishes
        co_await s.SleepFor(p.idle_for);
        idle_at = next_idle();
      }
      const double mean_ms = 1000.0 / p.rate_per_s;
      co_await s.SleepFor(
          sim::Duration::Micros(static_cast<int64_t>(rng_.Exponential(mean_ms * 1000)) + 1));
      const std::string& t = topics_[rng_.Below(topics_.size())];
      const int64_t n = rng_.Uniform(p.batch.lo, p.batch.hi);
      for (int64_t i = 0; i < n; ++i) {
        const std::string payload =
            "m" + std::to_string(produced_++) + ":" +
            std::string(static_cast<size_t>(rng_.Uniform(p.payload_bytes.lo, p.payload_bytes.hi)),
                        'x');
        target_->Allocated(2 * payload.size() + 128);
        absl::StatusOr<MessageId> id = queue_->Produce(t, payload);
        if (id.ok()) acked_ids_[t].push_back(*id);
      }
    }
  }

  sim::Task<void> Consumer(size_t group) {
    const ConsumerSpec& c = sc_.workload.consumers;
    const std::string& g = groups_[group];
    sim::Scheduler& s = sim_.scheduler();
    const bool stalls =
        c.stall_every > sim::Duration::Zero() && c.stall_for > sim::Duration::Zero();
    sim::Time next_stall =
        stalls ? s.now() + sim::Duration::Millis(static_cast<int64_t>(
                               rng_.Exponential(static_cast<double>(c.stall_every.millis()))))
               : sim::Time::Max();
    for (;;) {
      co_await s.SleepFor(sim::Duration::Millis(rng_.Uniform(50, 300)));
      if (s.now() >= next_stall) {  // a lagging data node: this group stops reading a while
        co_await s.SleepFor(c.stall_for);
        next_stall = s.now() + sim::Duration::Millis(static_cast<int64_t>(
                                   rng_.Exponential(static_cast<double>(c.stall_every.millis()))));
      }
      for (const std::string& t : topics_) {
        if (IsPush(group)) {  // the application takes what its push consumer buffered
          auto sub = subs_.find({t, g});
          if (sub == subs_.end()) continue;
          absl::StatusOr<std::vector<backends::Message>> got = sub->second->Receive(c.batch);
          if (got.ok() && !got->empty()) next_[{t, g}] = got->back().id + 1;
          continue;
        }
        if (c.seek_probability > 0 && rng_.Chance(c.seek_probability)) {
          const auto& ids = acked_ids_[t];
          const double pick = rng_.Unit();
          if (!ids.empty() && pick < 0.85) {
            // An acknowledged id, or the id after one (missing where a crash skipped ids).
            MessageId target = ids[rng_.Below(ids.size())];
            if (pick >= 0.7) ++target;
            if (queue_->Seek(t, g, target).ok()) next_[{t, g}] = target;
          } else if (queue_->SeekToLatest(t, g).ok()) {
            next_[{t, g}] = ids.empty() ? 0 : ids.back() + 1;
          }
        }
        absl::StatusOr<std::vector<backends::Message>> got = queue_->Consume(t, g, c.batch);
        if (got.ok() && !got->empty()) next_[{t, g}] = got->back().id + 1;
      }
      if (rng_.Chance(0.05)) {
        const std::string& t = topics_[rng_.Below(topics_.size())];
        (void)queue_->GetLatestMsg(t);
      }
      if (sc_.workload.topic_churn > 0 && group == 0 && rng_.Chance(sc_.workload.topic_churn)) {
        // A collection is dropped and its channel reused: the topic starts again, empty.
        const std::string& t = topics_[rng_.Below(topics_.size())];
        if (queue_->DestroyTopic(t).ok() && queue_->CreateTopic(t).ok()) {
          for (const std::string& g2 : groups_) (void)queue_->CreateConsumerGroup(t, g2);
          for (const std::string& g2 : groups_) next_[{t, g2}] = 0;
          for (size_t g2 = 0; g2 < groups_.size(); ++g2) {
            if (IsPush(g2)) Subscribe(t, groups_[g2]);
          }
          acked_ids_[t].clear();
        }
      }
    }
  }

  void ReadAll(const std::string& t) {
    if (store_->queue() != nullptr)
      (void)properties::RecordFullRead(*store_->queue(), t, &history_, Now());
  }

  sim::Task<void> Reader() {
    for (;;) {
      co_await sim_.scheduler().SleepFor(sc_.workload.read_all_every);
      for (const std::string& t : topics_) ReadAll(t);
    }
  }

  std::optional<Violation> RunWorkload() {
    if (!target_->Restart()) {
      return Violation{Property::kStartup, "the store did not open on a fresh disk", {}};
    }
    sim::Duration longest_starvation;
    {
      faults::FaultInjector injector(&sim_, plan_, target_.get());
      sim_.scheduler().RunFor(sc_.duration);
      injector.Quiesce();
    }
    sim_.scheduler().RunFor(sim::Duration::Seconds(5));  // a last pause ends
    sim_.scheduler().CancelProcess(kNode);               // the workload stops
    store_->disk().set_capacity_bytes(UINT64_MAX);
    for (int attempt = 0; attempt < 3 && !store_->up(); ++attempt) (void)target_->Restart();
    if (!store_->up())
      return Violation{Property::kRecovery, "the store does not open after the run", {}};
    sim_.scheduler().CancelProcess(kNode);
    for (const std::string& t : topics_) ReadAll(t);
    return Judge();
  }

  std::optional<Violation> Judge() {
    // An engine that would have crashed the process (a Go panic in Milvus) fails the run.
    if (!panic_.empty() && sc_.Checks(Property::kNoPanic)) {
      return Violation{Property::kNoPanic, panic_, {}};
    }
    const bool rocks_retention =
        type_ == MqType::kRocksMq && (sc_.config.rocksmq.retention_time_minutes >= 0 ||
                                      sc_.config.rocksmq.retention_size_mb >= 0);
    const natsmq::NatsMqOptions& n = sc_.config.natsmq;
    const bool nats_limits = type_ == MqType::kNatsMq &&
                             (n.retention_max_msgs || n.retention_max_bytes ||
                              (n.retention_max_age_minutes && *n.retention_max_age_minutes > 0));
    const properties::CheckOptions opts{.retention = rocks_retention || nats_limits};
    // Lateness the faults allow: the longest starvation, a restart, a GC pause, a stall.
    const int64_t slack =
        store_->jobs().longest_starvation().nanos() +
        (plan_.crashes() || plan_.power_losses() ? plan_.restart_delay_max.nanos() : 0) +
        plan_.gc_pause_max.nanos() + plan_.go_gc.pause_max.nanos() +
        plan_.latency.sync.stall.nanos() + 1'000'000'000;
    std::vector<std::optional<Violation>> found;
    auto keep = [&](std::optional<Violation> v) {
      if (v && sc_.Checks(v->property)) found.push_back(std::move(v));
    };
    keep(properties::CheckOrdering(history_));
    keep(properties::CheckNoResurrection(history_));  // before latest: the sharper diagnosis
    keep(properties::CheckNoGapsAndSeeks(history_, opts));
    keep(properties::CheckLatest(history_, opts));
    keep(properties::CheckDurability(history_, opts));
    keep(properties::CheckPageAccounting(history_));  // stores with pages record accounting
    // A reading push consumer gets every message within the faults' lateness + its 1 s poll.
    keep(properties::CheckDeliveryLiveness(history_, slack + 2'000'000'000));
    if (rocks_retention) {
      properties::RetentionBounds b;
      const rocksmq::RocksMqOptions& r = sc_.config.rocksmq;
      b.time_ns = r.retention_time_minutes >= 0
                      ? static_cast<int64_t>(r.retention_time_minutes * 60e9)
                      : -1;
      b.size_bytes =
          r.retention_size_mb >= 0 ? static_cast<int64_t>(r.retention_size_mb) << 20 : -1;
      b.page_bytes = r.page_size_bytes;
      b.tick_ns = r.ticker_interval_s * 1'000'000'000;
      b.slack_ns = slack;
      keep(properties::CheckRetention(history_, b));
    }
    if (nats_limits) {
      properties::NatsLimits l{
          n.retention_max_msgs.value_or(-1), n.retention_max_bytes.value_or(-1),
          n.retention_max_age_minutes ? *n.retention_max_age_minutes * 60'000'000'000 : 0, slack,
          [](const std::string& t, uint64_t p) {
            return properties::JetStreamStoredBytes(t.size(), 0, p);
          }};
      keep(properties::CheckNatsLimits(history_, l));
    }
    if (found.empty()) return std::nullopt;
    return found.front();
  }

  // ---------------------------------------------------------------- Milvus data path

  std::optional<Violation> RunMilvus() {
    const MilvusSpec& m = sc_.workload.milvus;
    properties::DataPathOptions o;
    o.channels = sc_.workload.topics;
    o.flush_every = m.flush_interval;
    properties::MilvusDataPath path(&sim_, o, &history_);
    const bool ignore = sc_.config.mq.ignore_bad_position;
    if (absl::Status s = path.Start(store_.get(), ignore); !s.ok()) {
      return Violation{Property::kStartup, std::string(s.message()), {}};
    }
    faults::FaultInjector injector(&sim_, plan_, target_.get());
    sim::Scheduler& s = sim_.scheduler();
    const sim::Time start = sim_.now();
    std::optional<Violation> failed;
    std::optional<sim::Time> switched_at;
    std::unique_ptr<backends::SimStore> next_store;
    if (m.flush_all_at) {
      s.CallAt(
          start + *m.flush_all_at, "operator.flush_all",
          [&] {
            // Bug mode switch_without_flush: the operator goes straight to the switch.
            if (MQSIM_BUG(kSwitchWithoutFlush)) return;
            path.StopWrites();  // the operator stops ingestion, then flushes
            (void)path.FlushAll();
          },
          faults::kFaultProcess);
    }
    if (m.switch_at) {
      s.CallAt(
          start + *m.switch_at, "operator.switch",
          [&] {
            next_store = MakeStore(*m.switch_to, 2, "/data2");
            switched_at = sim_.now();
            if (absl::Status st = path.SwitchTo(next_store.get(), ignore); !st.ok()) {
              failed = Violation{Property::kSwitch, std::string(st.message()), {}};
              s.Stop();
            }
          },
          faults::kFaultProcess);
    }
    s.RunUntil(start + sc_.duration);
    if (failed) return failed;
    path.StopWrites();
    const int64_t ts = path.FlushAll();
    for (int i = 0; i < 120 && !path.FlushAllComplete(ts); ++i) s.RunFor(sim::Duration::Seconds(1));
    path.Stop();
    if (switched_at && sc_.Checks(Property::kForeignPosition)) {
      if (auto v = properties::CheckForeignPositions(path)) return v;
    }
    if (switched_at && sc_.Checks(Property::kFlushBeforeSwitch)) {
      if (auto v = properties::CheckFlushBeforeSwitch(path, *switched_at)) return v;
    }
    if (!path.FlushAllComplete(ts)) {
      return Violation{
          Property::kFlushBeforeSwitch, "the final FlushAll did not complete within 2 minutes", {}};
    }
    if (auto v = properties::CheckOrdering(history_); v && sc_.Checks(Property::kOrdering))
      return v;
    return std::nullopt;
  }

  const Scenario& sc_;
  MqType type_;
  sim::Simulation sim_;
  sim::Random rng_;
  faults::FaultPlan plan_;
  properties::History history_;
  std::unique_ptr<backends::SimStore> store_;
  std::unique_ptr<faults::StoreTarget> target_;
  std::unique_ptr<properties::RecordingQueue> queue_;
  std::vector<std::string> topics_;
  std::vector<std::string> groups_;
  std::map<std::pair<std::string, std::string>, MessageId> next_;
  // Push consumers by (topic, group), and the conditions that wake their delivery tasks
  // (kept for the whole run: a cancelled task may still be registered as a waiter).
  std::map<std::pair<std::string, std::string>, std::shared_ptr<backends::Subscriber>> subs_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<sim::Condition>> wakes_;
  std::map<std::string, std::vector<MessageId>> acked_ids_;
  uint64_t produced_ = 0;
  uint64_t crashes_ = 0;
  std::string panic_;  // the first engine panic of the run

 public:
  void RecordPanic(const std::string& message) {
    if (panic_.empty()) panic_ = "the engine panicked: " + message;
  }
};

}  // namespace

RunResult RunScenario(const Scenario& scenario, const RunOptions& options) {
  absl::StatusOr<MqType> type = scenario.StoreType();
  if (!type.ok()) {
    RunResult r;
    r.pass = false;
    r.property = std::string(properties::Name(properties::Property::kConfig));
    r.detail = std::string(type.status().message());
    return r;
  }
  // The fingerprint covers the whole run, teardown included, so it equals what
  // check-determinism reports for the same seed.
  sim::Trace own;
  sim::Trace* trace = options.trace != nullptr ? options.trace : &own;
  RunResult r;
  {
    const sim::RunContext context(options.seed, options.bugs);
    Run run(scenario, RunOptions{options.seed, trace, options.bugs}, *type);
    {
      const base::ScopedPanicHandler panics(
          [&run](const std::string& message) { run.RecordPanic(message); });
      r = run.Execute();
    }
  }
  r.steps = trace->steps();
  r.hash = trace->hash();
  return r;
}

}  // namespace mqsim::scenarios
