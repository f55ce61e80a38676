// rapidcheck state machines (rc::state) over every store behind the MessageQueue interface,
// crashes and power losses included. Commands are produce, consume, seek (to the k-th
// message or to latest), latest, and crash (a process crash, or a power loss): the fault
// schedule is part of the generated input, so a failure shrinks to the fewest operations
// and faults.
//
// The model is durability-aware: after a crash it does not predict one state but accepts
// every valid one (per topic, every message acknowledged with sync, or acknowledged before
// a plain process crash, plus a prefix of the acknowledged-but-unsynced ones after a power
// loss), checks that the store recovered to one of them, and continues from that one.
// Groups are re-positioned after a restart as Milvus does (it seeks to its checkpoint).
#include <rapidcheck.h>
#include <rapidcheck/catch.h>
#include <rapidcheck/state.h>

#include <catch2/catch.hpp>
#include <map>

#include "backends/sim_store.h"
#include "sim/rocksdb_interpose.h"

namespace mqsim::properties {
namespace {

using backends::Message;
using backends::MessageId;
using backends::MqType;

const std::vector<std::string> kTopics = {"dml_0", "dml_1"};
const std::vector<std::string> kGroups = {"g1", "g2"};

struct Expected {
  struct Msg {
    MessageId id;
    std::string payload;
    bool synced;
  };
  std::map<std::string, std::vector<Msg>> topics;
  std::map<std::pair<std::string, std::string>, size_t> next;  // index of the next delivery
};

// The system under test: a store in its own simulation, and what it must hold.
struct Sut {
  Sut(MqType type, bool sync, uint64_t seed)
      : sim((sim::ResetRocksDbInternals(seed), seed), nullptr) {
    backends::SimStoreOptions o;
    o.type = type;
    o.config.rocksmq.produce_sync = sync;
    o.config.rocksmq.retention_time_minutes = -1;
    o.config.rocksmq.retention_size_mb = -1;
    o.config.natsmq.sync_always = sync;
    store = std::make_unique<backends::SimStore>(&sim, o);
    RC_ASSERT(store->Open().ok());
    for (const auto& t : kTopics) {
      RC_ASSERT(q().CreateTopic(t).ok());
      for (const auto& g : kGroups) RC_ASSERT(q().CreateConsumerGroup(t, g).ok());
      expected.topics[t];
    }
  }
  backends::MessageQueue& q() { return *store->queue(); }
  void Settle() { sim.scheduler().RunFor(sim::Duration::Millis(20)); }  // background jobs

  sim::Simulation sim;
  std::unique_ptr<backends::SimStore> store;
  Expected expected;
  int payloads = 0;
};

struct Model {
  size_t commands = 0;
};

using Command = rc::state::Command<Model, Sut>;

struct Produce : Command {
  size_t topic = *rc::gen::inRange<size_t>(0, kTopics.size());
  size_t bytes = *rc::gen::inRange<size_t>(0, 3000);
  void apply(Model& m) const override { ++m.commands; }
  void run(const Model&, Sut& s) const override {
    const std::string& t = kTopics[topic];
    const std::string payload = "p" + std::to_string(s.payloads++) + std::string(bytes, 'x');
    absl::StatusOr<MessageId> id = s.q().Produce(t, payload);
    RC_ASSERT(id.ok());
    auto& msgs = s.expected.topics[t];
    if (!msgs.empty()) RC_ASSERT(*id > msgs.back().id);
    msgs.push_back({*id, payload, s.store->durable_acks()});
    s.Settle();
  }
  void show(std::ostream& os) const override {
    os << "Produce(" << kTopics[topic] << ", " << bytes << " B)";
  }
};

struct Consume : Command {
  size_t topic = *rc::gen::inRange<size_t>(0, kTopics.size());
  size_t group = *rc::gen::inRange<size_t>(0, kGroups.size());
  int n = *rc::gen::inRange(1, 8);
  void apply(Model& m) const override { ++m.commands; }
  void run(const Model&, Sut& s) const override {
    const std::string& t = kTopics[topic];
    const std::string& g = kGroups[group];
    absl::StatusOr<std::vector<Message>> got = s.q().Consume(t, g, n);
    RC_ASSERT(got.ok());
    size_t& next = s.expected.next[{t, g}];
    const auto& msgs = s.expected.topics[t];
    const size_t want = std::min(static_cast<size_t>(n), msgs.size() - next);
    RC_ASSERT(got->size() == want);
    for (size_t i = 0; i < want; ++i) {
      RC_ASSERT((*got)[i].id == msgs[next + i].id);
      RC_ASSERT((*got)[i].payload == msgs[next + i].payload);
    }
    next += want;
    s.Settle();
  }
  void show(std::ostream& os) const override {
    os << "Consume(" << kTopics[topic] << ", " << kGroups[group] << ", " << n << ")";
  }
};

// Seek to the k-th message of the topic (k >= size: to latest).
struct Seek : Command {
  size_t topic = *rc::gen::inRange<size_t>(0, kTopics.size());
  size_t group = *rc::gen::inRange<size_t>(0, kGroups.size());
  size_t k = *rc::gen::inRange<size_t>(0, 40);
  void apply(Model& m) const override { ++m.commands; }
  void run(const Model&, Sut& s) const override {
    const std::string& t = kTopics[topic];
    const std::string& g = kGroups[group];
    const auto& msgs = s.expected.topics[t];
    if (k < msgs.size()) {
      RC_ASSERT(s.q().Seek(t, g, msgs[k].id).ok());
      s.expected.next[{t, g}] = k;
    } else {
      RC_ASSERT(s.q().SeekToLatest(t, g).ok());
      s.expected.next[{t, g}] = msgs.size();
    }
  }
  void show(std::ostream& os) const override {
    os << "Seek(" << kTopics[topic] << ", " << kGroups[group] << ", k=" << k << ")";
  }
};

struct Latest : Command {
  size_t topic = *rc::gen::inRange<size_t>(0, kTopics.size());
  void apply(Model& m) const override { ++m.commands; }
  void run(const Model&, Sut& s) const override {
    const auto& msgs = s.expected.topics[kTopics[topic]];
    absl::StatusOr<MessageId> latest = s.q().GetLatestMsg(kTopics[topic]);
    RC_ASSERT(latest.ok());
    RC_ASSERT(*latest == (msgs.empty() ? backends::kNoMessage : msgs.back().id));
  }
  void show(std::ostream& os) const override { os << "Latest(" << kTopics[topic] << ")"; }
};

struct Crash : Command {
  bool power_loss = *rc::gen::arbitrary<bool>();
  int mode = *rc::gen::inRange(0, 3);
  void apply(Model& m) const override { ++m.commands; }
  void run(const Model&, Sut& s) const override {
    std::optional<sim::PowerLossMode> pl;
    if (power_loss) pl = static_cast<sim::PowerLossMode>(mode);
    s.store->Crash(pl);
    RC_ASSERT(s.store->Open().ok());
    for (const auto& t : kTopics) {
      RC_ASSERT(s.q().CreateTopic(t).ok());
      // What survived: every promised message, and of the rest a prefix.
      (void)s.q().DestroyConsumerGroup(t, "check");
      RC_ASSERT(s.q().CreateConsumerGroup(t, "check").ok());
      absl::StatusOr<std::vector<Message>> all = s.q().Consume(t, "check", 1'000'000);
      RC_ASSERT(all.ok());
      RC_ASSERT(s.q().DestroyConsumerGroup(t, "check").ok());
      auto& msgs = s.expected.topics[t];
      RC_ASSERT(all->size() <= msgs.size());
      for (size_t i = 0; i < all->size(); ++i) {
        RC_ASSERT((*all)[i].id == msgs[i].id);
        RC_ASSERT((*all)[i].payload == msgs[i].payload);
      }
      for (size_t i = all->size(); i < msgs.size(); ++i) {
        RC_ASSERT(power_loss);       // a process crash keeps the page cache
        RC_ASSERT(!msgs[i].synced);  // a synced message never goes
      }
      msgs.resize(all->size());
      // Milvus re-positions its consumers at its checkpoints.
      for (const auto& g : kGroups) {
        const absl::Status created = s.q().CreateConsumerGroup(t, g);
        RC_ASSERT(created.ok() || absl::IsAlreadyExists(created));
        size_t& next = s.expected.next[{t, g}];
        next = std::min(next, msgs.size());
        if (next < msgs.size())
          RC_ASSERT(s.q().Seek(t, g, msgs[next].id).ok());
        else
          RC_ASSERT(s.q().SeekToLatest(t, g).ok());
      }
    }
  }
  void show(std::ostream& os) const override {
    os << (power_loss ? "PowerLoss(mode " + std::to_string(mode) + ")" : "Crash()");
  }
};

void CheckStore(MqType type, bool sync) {
  const uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1'000'000);
  Model model;
  Sut sut(type, sync, seed);
  rc::state::check(model, sut,
                   rc::state::gen::execOneOfWithArgs<Produce, Produce, Produce, Consume, Consume,
                                                     Seek, Latest, Crash>());
}

TEST_CASE("State machine: rocksmq, crashes and power losses") {
  rc::prop("rocksmq", [] { CheckStore(MqType::kRocksMq, false); });
  rc::prop("rocksmq with produceSync", [] { CheckStore(MqType::kRocksMq, true); });
}

TEST_CASE("State machine: natsmq, crashes and power losses") {
  rc::prop("natsmq", [] { CheckStore(MqType::kNatsMq, false); });
  rc::prop("natsmq with sync always", [] { CheckStore(MqType::kNatsMq, true); });
}

TEST_CASE("State machine: the reference model, Pulsar and Kafka") {
  rc::prop("model", [] { CheckStore(MqType::kModel, false); });
  rc::prop("pulsar", [] { CheckStore(MqType::kPulsar, false); });
  rc::prop("kafka", [] { CheckStore(MqType::kKafka, false); });
}

}  // namespace
}  // namespace mqsim::properties
