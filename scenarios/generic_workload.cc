#include "scenarios/generic_workload.h"

#include "scenarios/aligned_payload.h"
#include "scenarios/clean_restart.h"
#include "scenarios/judge.h"
#include "sim/stream_names.h"

namespace mqsim::scenarios {

using backends::MessageId;
using properties::EventKind;
using properties::HistoryEvent;
using properties::Property;
using properties::Violation;

GenericWorkload::GenericWorkload(Harness& harness)
    : h_(harness), sc_(harness.scenario()), rng_(harness.sim().Stream(sim::streams::kWorkload)) {
  for (int i = 0; i < sc_.workload.topics; ++i) {
    const std::string pchannel = sc_.config.channels.DmlPrefix() + std::to_string(i / 2);
    topics_.push_back(i % 2 == 0 ? pchannel : pchannel + "_449" + std::to_string(i / 2) + "v0");
  }
  for (int i = 0; i < sc_.workload.consumers.groups; ++i)
    groups_.push_back("g" + std::to_string(i));
  fresh_.insert(topics_.begin(), topics_.end());
  const ProducerSpec& p = sc_.workload.producers;
  if (p.aligned > 0) {
    for (const std::string& t : topics_) {
      if (!rng_.Chance(p.aligned)) continue;
      const std::vector<ByteBoundary> bounds =
          ByteBoundaries(h_.type(), h_.StoreConfig(), t, sc_.workload.consumers.push_groups > 0);
      if (bounds.empty()) continue;
      const ByteBoundary& b = bounds[bounds.size() > 1 ? rng_.Below(bounds.size()) : 0];
      aligned_bytes_[t] = AlignedPayloadBytes(b, p.payload_bytes.lo, p.payload_bytes.hi);
    }
  }
}

GenericWorkload::~GenericWorkload() = default;

// ------------------------------------------------------------------ phases

std::optional<Violation> GenericWorkload::Setup() {
  if (!h_.target().Restart()) {
    return Violation{Property::kStartup, "the store did not open on a fresh disk", {}};
  }
  return std::nullopt;
}

std::optional<Violation> GenericWorkload::Start() {
  h_.scheduler().RunFor(sc_.duration);
  return std::nullopt;
}

std::optional<Violation> GenericWorkload::Check() {
  sim::Scheduler& s = h_.scheduler();
  s.RunFor(sim::Duration::Seconds(5));  // a last pause ends
  s.CancelProcess(kStoreProcess);       // the workload stops
  backends::SimStore& store = h_.store();
  store.disk().set_capacity_bytes(UINT64_MAX);
  for (int attempt = 0; attempt < 3 && !store.up(); ++attempt) (void)h_.target().Restart();
  if (!store.up())
    return Violation{Property::kRecovery, "the store does not open after the run", {}};
  s.CancelProcess(kStoreProcess);
  if (backends::KeepsFiles(h_.type()) && !topics_.empty()) {
    if (auto v = CleanRestart(h_, topics_.front())) return v;
    s.CancelProcess(kStoreProcess);
    // Ids go on after a clean stop: one message more per topic, judged with the rest.
    for (const std::string& t : topics_) Produce(t, "m" + std::to_string(produced_++) + ":last");
  }
  for (const std::string& t : topics_) ReadAll(t);
  return Judge(JudgeInput{h_.history(), sc_, h_.plan(), h_.type(), h_.Lateness(),
                          h_.DeliveryLateness(), h_.panic(), &h_.refusal_causes()});
}

// ------------------------------------------------------------------ restarts

void GenericWorkload::Crashed() {
  subs_.clear();  // push consumers die with the process
}

void GenericWorkload::Started() {
  h_.history().Add(HistoryEvent{.time_ns = h_.Now(), .kind = EventKind::kRecover});
  subs_.clear();
  backends::SimStore& store = h_.store();
  queue_ = std::make_unique<properties::RecordingQueue>(
      store.queue(), &h_.history(), [this] { return h_.Now(); }, store.durable_acks());
  for (const std::string& t : topics_) (void)queue_->CreateTopic(t);
  ResumeGroups();
  for (const std::string& t : topics_) {
    for (size_t g = 0; g < groups_.size(); ++g) {
      if (IsPush(g)) Subscribe(t, groups_[g]);
    }
  }
  SpawnTasks();
}

// Every group first, then each resumes after what it read (docs/rocksmq.md, "Consumer
// groups"): a group seeking alone would let pages another group never read be acked.
void GenericWorkload::ResumeGroups() {
  for (const std::string& t : topics_) {
    for (const std::string& g : groups_) (void)queue_->CreateConsumerGroup(t, g);
  }
  for (const std::string& t : topics_) {
    for (const std::string& g : groups_) {
      const MessageId next = next_[{t, g}];
      if (next > 0) (void)queue_->Seek(t, g, next);
    }
  }
}

void GenericWorkload::SpawnTasks() {
  sim::Scheduler& s = h_.scheduler();
  const sim::SpawnOptions opts{.process = kStoreProcess};
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
bool GenericWorkload::IsPush(size_t group) const {
  return group + static_cast<size_t>(sc_.workload.consumers.push_groups) >= groups_.size();
}

// A push consumer on (topic, group) and its delivery task (the client's receive goroutine):
// it runs whenever the store wakes it, and polls every second to retry failed fetches.
void GenericWorkload::Subscribe(const std::string& topic, const std::string& group) {
  auto& wake = wakes_[{topic, group}];
  if (!wake) {
    wake = std::make_unique<sim::Condition>(h_.scheduler(), "wake " + topic + "/" + group);
  }
  sim::Condition* cond = wake.get();
  backends::SubscribeOptions o;
  o.buffer = static_cast<size_t>(sc_.workload.consumers.push_buffer);
  o.batch = sc_.workload.consumers.batch;
  o.wake = [cond] { cond->NotifyAll(); };
  absl::StatusOr<std::unique_ptr<backends::Subscriber>> sub =
      queue_->Subscribe(topic, group, std::move(o));
  if (!sub.ok()) return;
  std::shared_ptr<backends::Subscriber> shared(std::move(*sub));
  subs_[{topic, group}] = shared;
  std::weak_ptr<backends::Subscriber> weak = shared;
  h_.scheduler().Spawn(
      "delivery",
      [cond, weak]() -> sim::Task<void> {
        for (;;) {
          (void)co_await cond->WaitFor(sim::Duration::Seconds(1));
          std::shared_ptr<backends::Subscriber> live = weak.lock();
          if (!live) co_return;  // re-subscribed or crashed
          live->Deliver();
        }
      },
      sim::SpawnOptions{.process = kStoreProcess});
}

// ------------------------------------------------------------------ tasks

sim::Time GenericWorkload::NextAfter(sim::Duration mean) {
  return h_.scheduler().now() + sim::Duration::Millis(static_cast<int64_t>(
                                    rng_.Exponential(static_cast<double>(mean.millis()))));
}

sim::Task<void> GenericWorkload::Producer() {
  const ProducerSpec& p = sc_.workload.producers;
  sim::Scheduler& s = h_.scheduler();
  const bool idles = p.idle_every > sim::Duration::Zero() && p.idle_for > sim::Duration::Zero();
  sim::Time idle_at = idles ? NextAfter(p.idle_every) : sim::Time::Max();
  for (;;) {
    if (s.now() >= idle_at) {  // a quiet period: nobody publishes
      co_await s.SleepFor(p.idle_for);
      idle_at = idles ? NextAfter(p.idle_every) : sim::Time::Max();
    }
    const double mean_ms = 1000.0 / p.rate_per_s;
    co_await s.SleepFor(
        sim::Duration::Micros(static_cast<int64_t>(rng_.Exponential(mean_ms * 1000)) + 1));
    ProduceBatch();
  }
}

// A batch of n messages to one topic: with one_call, in one call where the store takes
// batches; otherwise (and where it does not) one call per message, each made as soon as its
// payload is (the order of allocations and calls is part of a seed's run).
void GenericWorkload::ProduceBatch() {
  const ProducerSpec& p = sc_.workload.producers;
  const std::string& t = topics_[rng_.Below(topics_.size())];
  const int64_t n = rng_.Uniform(p.batch.lo, p.batch.hi);
  const bool together = n > 1 && p.one_call > 0 && rng_.Chance(p.one_call);
  const auto aligned = aligned_bytes_.find(t);
  std::vector<std::string> payloads;
  for (int64_t i = 0; i < n; ++i) {
    const std::string prefix = "m" + std::to_string(produced_++) + ":";
    std::string payload = aligned != aligned_bytes_.end() && aligned->second > 0
                              ? PaddedPayload(prefix, aligned->second)
                              : prefix + std::string(static_cast<size_t>(rng_.Uniform(
                                                         p.payload_bytes.lo, p.payload_bytes.hi)),
                                                     'x');
    h_.target().Allocated(2 * payload.size() + 128);
    if (together) {
      payloads.push_back(std::move(payload));
    } else {
      Produce(t, payload);
    }
  }
  if (!together) return;
  absl::StatusOr<std::vector<MessageId>> ids = queue_->ProduceMany(t, payloads);
  if (ids.ok()) Acked(t, *ids);
  if (!absl::IsUnimplemented(ids.status())) return;
  for (const std::string& payload : payloads) Produce(t, payload);
}

void GenericWorkload::Produce(const std::string& t, const std::string& payload) {
  absl::StatusOr<MessageId> id = queue_->Produce(t, payload);
  if (id.ok()) Acked(t, {*id});
}

// The first acknowledged message of a topic's contents (fresh_): where first
// and last are one message, as every store meets them and no periodic read is sure to.
void GenericWorkload::Acked(const std::string& t, const std::vector<MessageId>& ids) {
  acked_ids_[t].insert(acked_ids_[t].end(), ids.begin(), ids.end());
  if (ids.empty() || fresh_.erase(t) == 0 || queue_ == nullptr) return;
  (void)queue_->GetLatestMsg(t);
  ReadAll(t);
}

sim::Task<void> GenericWorkload::Consumer(size_t group) {
  const ConsumerSpec& c = sc_.workload.consumers;
  sim::Scheduler& s = h_.scheduler();
  const bool stalls = c.stall_every > sim::Duration::Zero() && c.stall_for > sim::Duration::Zero();
  sim::Time next_stall = stalls ? NextAfter(c.stall_every) : sim::Time::Max();
  for (;;) {
    co_await s.SleepFor(sim::Duration::Millis(rng_.Uniform(50, 300)));
    if (s.now() >= next_stall) {  // a lagging data node: this group stops reading a while
      co_await s.SleepFor(c.stall_for);
      next_stall = NextAfter(c.stall_every);
    }
    for (const std::string& t : topics_) ConsumeTopic(group, t);
    if (rng_.Chance(0.05)) {
      const std::string& t = topics_[rng_.Below(topics_.size())];
      (void)queue_->GetLatestMsg(t);
    }
    if (sc_.workload.topic_churn > 0 && group == 0 && rng_.Chance(sc_.workload.topic_churn)) {
      ChurnTopic();
    }
    if (group == 0) EngineCalls();
    if (c.group_churn > 0 && rng_.Chance(c.group_churn)) ChurnGroup(group);
  }
}

void GenericWorkload::ConsumeTopic(size_t group, const std::string& t) {
  const ConsumerSpec& c = sc_.workload.consumers;
  const std::string& g = groups_[group];
  if (IsPush(group)) {  // the application takes what its push consumer buffered
    auto sub = subs_.find({t, g});
    if (sub == subs_.end()) return;
    absl::StatusOr<std::vector<backends::Message>> got = sub->second->Receive(c.batch);
    if (got.ok() && !got->empty()) next_[{t, g}] = got->back().id + 1;
    if (absl::IsResourceExhausted(got.status())) {  // cut off as a slow consumer (natsmq)
      subs_.erase(sub);
      Subscribe(t, g);
    }
    return;
  }
  if (c.seek_probability > 0 && rng_.Chance(c.seek_probability)) Seek(t, g);
  absl::StatusOr<std::vector<backends::Message>> got = queue_->Consume(t, g, c.batch);
  if (got.ok() && !got->empty()) next_[{t, g}] = got->back().id + 1;
}

// An acknowledged id, or the id after one (missing where a crash skipped ids), or latest;
// with seek_beyond_latest, 1 to 8 ids beyond the latest acknowledged one.
void GenericWorkload::Seek(const std::string& t, const std::string& g) {
  const std::vector<MessageId>& ids = acked_ids_[t];
  const double beyond = sc_.workload.consumers.seek_beyond_latest;
  if (beyond > 0 && rng_.Chance(beyond)) {
    const MessageId target = (ids.empty() ? 0 : ids.back()) + 1 + rng_.Uniform(0, 7);
    if (queue_->Seek(t, g, target).ok()) next_[{t, g}] = target;
    return;
  }
  const double pick = rng_.Unit();
  if (!ids.empty() && pick < 0.85) {
    MessageId target = ids[rng_.Below(ids.size())];
    if (pick >= 0.7) ++target;
    if (queue_->Seek(t, g, target).ok()) next_[{t, g}] = target;
  } else if (queue_->SeekToLatest(t, g).ok()) {
    next_[{t, g}] = ids.empty() ? 0 : ids.back() + 1;
  }
}

// A group is dropped on one topic and made again: it reads that topic from the start. A
// push group's application first takes what its closed consumer still holds, then
// subscribes again.
void GenericWorkload::ChurnGroup(size_t group) {
  const std::string& t = topics_[rng_.Below(topics_.size())];
  const std::string& g = groups_[group];
  if (!queue_->DestroyConsumerGroup(t, g).ok()) return;
  if (IsPush(group)) DrainClosed(t, g);
  if (!queue_->CreateConsumerGroup(t, g).ok()) return;
  next_[{t, g}] = 0;
  if (IsPush(group)) Subscribe(t, g);
}

// The application of a push consumer whose group or topic is gone reads it until the store
// says it is closed (what was buffered may still come out first), then lets it go. At most
// one call per buffered batch and one more: a consumer that still answers with nothing
// after that was never closed (delivery_liveness judges it).
void GenericWorkload::DrainClosed(const std::string& t, const std::string& g) {
  auto sub = subs_.find({t, g});
  if (sub == subs_.end()) return;
  const ConsumerSpec& c = sc_.workload.consumers;
  const int64_t calls = c.push_buffer / std::max(c.batch, 1) + 2;
  for (int64_t i = 0; i < calls; ++i) {
    absl::StatusOr<std::vector<backends::Message>> got = sub->second->Receive(c.batch);
    if (!got.ok() || got->empty()) break;
  }
  subs_.erase(sub);
}

// The engine-specific calls (scenario.h, WorkloadSpec::purge and delete_message): on stores
// without them the call is answered Unimplemented, and nothing is recorded.
void GenericWorkload::EngineCalls() {
  const WorkloadSpec& w = sc_.workload;
  if (w.purge > 0 && rng_.Chance(w.purge)) {
    const std::string& t = topics_[rng_.Below(topics_.size())];
    if (queue_->Purge(t).ok()) fresh_.insert(t);
  }
  if (w.delete_message > 0 && rng_.Chance(w.delete_message)) {
    const std::string& t = topics_[rng_.Below(topics_.size())];
    const std::vector<MessageId>& ids = acked_ids_[t];
    if (!ids.empty()) (void)queue_->DeleteMessage(t, ids[rng_.Below(ids.size())]);
  }
}

// A collection is dropped and its channel reused: the topic starts again, empty. A drop
// that fails is tried again at once, as Milvus retries it: a failed DestroyTopic may have
// deleted part of the topic, which is then no topic anyone may read.
void GenericWorkload::ChurnTopic() {
  const std::string& t = topics_[rng_.Below(topics_.size())];
  bool dropped = queue_->DestroyTopic(t).ok();
  for (int again = 0; again < 8 && !dropped; ++again) dropped = queue_->DestroyTopic(t).ok();
  if (!dropped) return;
  for (size_t g = 0; g < groups_.size(); ++g) {
    if (IsPush(g)) DrainClosed(t, groups_[g]);
  }
  if (!queue_->CreateTopic(t).ok()) return;
  fresh_.insert(t);
  for (const std::string& g : groups_) (void)queue_->CreateConsumerGroup(t, g);
  for (const std::string& g : groups_) next_[{t, g}] = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    if (IsPush(g)) Subscribe(t, groups_[g]);
  }
  acked_ids_[t].clear();
}

void GenericWorkload::ReadAll(const std::string& topic) {
  backends::MessageQueue* queue = h_.store().queue();
  if (queue != nullptr) (void)properties::RecordFullRead(*queue, topic, &h_.history(), h_.Now());
}

sim::Task<void> GenericWorkload::Reader() {
  for (;;) {
    co_await h_.scheduler().SleepFor(sc_.workload.read_all_every);
    for (const std::string& t : topics_) ReadAll(t);
  }
}

}  // namespace mqsim::scenarios
