// Each checker passes on histories recorded from the real engines (and the reference
// model), including crashes and power losses, and fails, naming its property, on a
// hand-made bad history.
#include "properties/checkers.h"

#include <catch2/catch.hpp>

#include "backends/memory_queue.h"
#include "backends/natsmq_queue.h"
#include "backends/rocksmq_queue.h"
#include "properties/delivery_checker.h"
#include "properties/recording_queue.h"
#include "sim/random.h"
#include "sim/rocksdb_interpose.h"
#include "tests/engine_world.h"

namespace mqsim::properties {
namespace {

using backends::MqType;
using testing::EngineWorld;

// ------------------------------------------------------------------ recorded from engines

struct Node {
  MqType type;
  bool sync;
  std::unique_ptr<EngineWorld> world;
  std::unique_ptr<backends::MessageQueue> mq;
  ~Node() { mq.reset(); }

  void Open() {
    if (type == MqType::kRocksMq) {
      rocksmq::RocksMqOptions o;
      o.path = world->Dir() + "/rmq";
      o.produce_sync = sync;
      o.retention_time_minutes = -1;
      o.retention_size_mb = -1;
      auto r = rocksmq::RocksMQ::Open(o, world->RocksMqHost());
      REQUIRE(r.ok());
      mq = std::make_unique<backends::RocksMqQueue>(std::move(*r));
    } else if (type == MqType::kNatsMq) {
      natsmq::NatsMqOptions o;
      o.store_dir = world->Dir() + "/nats";
      o.sync_always = sync;
      auto n = natsmq::NatsStore::Open(
          o, natsmq::NatsHost{world->FileSystem(), world->Clock(), world->Waker()});
      REQUIRE(n.ok());
      mq = std::make_unique<backends::NatsQueue>(std::move(*n), o);
    } else {
      mq = std::make_unique<backends::MemoryQueue>();
    }
  }
  // kill -9, optionally with power loss, then restart.
  void Crash(bool power_loss, History* h) {
    sim::SimFileSystem& disk = *world->sim_disk();
    disk.PowerOff();
    mq.reset();
    disk.PowerOn();
    disk.CrashProcess();
    h->Add(HistoryEvent{.time_ns = world->NowMs() * 1'000'000, .kind = EventKind::kCrash});
    if (power_loss) {
      disk.PowerLoss(sim::PowerLossMode::kDropUnsynced);
      h->Add(HistoryEvent{.time_ns = world->NowMs() * 1'000'000, .kind = EventKind::kPowerLoss});
    }
    Open();
    h->Add(HistoryEvent{.time_ns = world->NowMs() * 1'000'000, .kind = EventKind::kRecover});
  }
};

void ReadAll(backends::MessageQueue& mq, const std::string& topic, History* h, int64_t now_ns) {
  REQUIRE(RecordFullRead(mq, topic, h, now_ns).ok());
}

History Record(MqType type, bool sync, uint64_t seed) {
  sim::ResetRocksDbInternals(seed);
  Node node{type, sync, EngineWorld::Make(EngineWorld::Kind::kSimulated, seed), nullptr};
  node.Open();
  History h;
  sim::Random rng(seed);
  const std::vector<std::string> topics = {"dml_0", "dml_1"};
  auto now = [&] { return node.world->NowMs() * 1'000'000; };
  auto recorder = [&] { return RecordingQueue(node.mq.get(), &h, now, sync); };
  {
    RecordingQueue q = recorder();
    for (const auto& t : topics) {
      REQUIRE(q.CreateTopic(t).ok());
      REQUIRE(q.CreateConsumerGroup(t, "g").ok());
    }
  }
  std::map<std::string, std::vector<backends::MessageId>> ids;
  int n = 0;
  for (int step = 0; step < 400; ++step) {
    RecordingQueue q = recorder();
    const std::string& t = topics[rng.Below(2)];
    const uint64_t op = rng.Below(100);
    node.world->Advance(sim::Duration::Millis(static_cast<int64_t>(rng.Uniform(1, 50))));
    if (op < 10) {  // several in one call where the store takes them, else one by one
      std::vector<std::string> payloads;
      for (uint64_t i = rng.Uniform(2, 4); i > 0; --i)
        payloads.push_back("m" + std::to_string(n++));
      auto many = q.ProduceMany(t, payloads);
      if (many.ok()) ids[t].insert(ids[t].end(), many->begin(), many->end());
      for (size_t i = 0; absl::IsUnimplemented(many.status()) && i < payloads.size(); ++i) {
        auto id = q.Produce(t, payloads[i]);
        if (id.ok()) ids[t].push_back(*id);
      }
    } else if (op < 50) {
      auto id = q.Produce(t, "m" + std::to_string(n++));
      if (id.ok()) ids[t].push_back(*id);
    } else if (op < 80) {
      (void)q.Consume(t, "g", static_cast<int>(rng.Uniform(1, 6)));
    } else if (op < 87 && !ids[t].empty()) {
      (void)q.Seek(t, "g", ids[t][rng.Below(ids[t].size())]);
    } else if (op < 90) {
      (void)q.SeekToLatest(t, "g");
    } else if (op < 96) {
      (void)q.GetLatestMsg(t);
    } else if (type != MqType::kModel && op < 99) {
      node.Crash(/*power_loss=*/rng.Chance(0.5), &h);
      for (const auto& topic : topics) ReadAll(*node.mq, topic, &h, now());
      RecordingQueue again = recorder();
      for (const auto& topic : topics) {
        // rocksmq groups live in memory; NATS durable consumers survive.
        (void)again.CreateConsumerGroup(topic, "g");
        (void)again.SeekToLatest(topic, "g");
      }
    }
  }
  for (const auto& t : topics) ReadAll(*node.mq, t, &h, now());
  return h;
}

TEST_CASE("Histories of the real engines and the model pass every checker") {
  const MqType type = GENERATE(MqType::kModel, MqType::kRocksMq, MqType::kNatsMq);
  const bool sync = GENERATE(false, true);
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const History h = Record(type, sync, seed);
    const std::optional<Violation> v = CheckAll(h);
    INFO(ToString(type) << (sync ? " sync" : "") << " seed " << seed << ": "
                        << (v ? v->ToString(h) : ""));
    CHECK_FALSE(v);
    CHECK(h.size() > 300);
  }
}

TEST_CASE(
    "Several messages in one call: one event each, or nothing where the store has no batches") {
  const MqType type = GENERATE(MqType::kRocksMq, MqType::kNatsMq);
  Node node{type, false, EngineWorld::Make(EngineWorld::Kind::kSimulated, 1), nullptr};
  node.Open();
  History h;
  RecordingQueue q(
      node.mq.get(), &h, [] { return int64_t{7}; }, false);
  REQUIRE(q.CreateTopic("t").ok());
  const absl::StatusOr<std::vector<MessageId>> ids =
      q.ProduceMany("t", {"first", "second", "a third payload longer than the prefix"});
  if (type == MqType::kNatsMq) {
    CHECK(absl::IsUnimplemented(ids.status()));
    CHECK(h.size() == 1);  // the topic's creation only
    return;
  }
  REQUIRE(ids.ok());
  REQUIRE(ids->size() == 3);
  REQUIRE(h.size() == 4);
  for (size_t i = 0; i < 3; ++i) {
    const HistoryEvent& e = h.events()[i + 1];
    CHECK(e.kind == EventKind::kProduce);
    CHECK(e.batch == 3);
    CHECK(e.id == (*ids)[i]);
    CHECK(e.time_ns == 7);
  }
  CHECK((*ids)[1] == (*ids)[0] + 1);
  CHECK((*ids)[2] == (*ids)[1] + 1);
  CHECK(h.events()[3].bytes == 38);
  CHECK(h.events()[3].digest == PayloadDigest("a third payload longer than the prefix"));
  CHECK(h.Describe(2).find("(one call of 3)") != std::string::npos);
  ReadAll(*node.mq, "t", &h, 8);
  CHECK_FALSE(CheckAll(h));
}

// ------------------------------------------------------------------ hand-made bad histories

struct Builder {
  History h;
  int64_t t = 0;
  Builder& Produce(const std::string& topic, MessageId id, const std::string& payload,
                   bool sync = false) {
    h.Add(HistoryEvent{.time_ns = ++t,
                       .kind = EventKind::kProduce,
                       .topic = topic,
                       .id = id,
                       .payload = payload,
                       .sync = sync});
    return *this;
  }
  Builder& Group(const std::string& topic) {
    h.Add(HistoryEvent{
        .time_ns = ++t, .kind = EventKind::kCreateGroup, .topic = topic, .group = "g"});
    return *this;
  }
  Builder& Consume(const std::string& topic, std::vector<std::pair<MessageId, std::string>> got,
                   EventKind kind = EventKind::kConsume, int64_t asked = -1) {
    HistoryEvent e{.time_ns = ++t, .kind = kind, .topic = topic, .group = "g"};
    e.asked = asked;
    for (auto& [id, p] : got) e.messages.push_back(Message{id, p});
    h.Add(std::move(e));
    return *this;
  }
  Builder& Seek(const std::string& topic, MessageId id) {
    h.Add(HistoryEvent{
        .time_ns = ++t, .kind = EventKind::kSeek, .topic = topic, .group = "g", .id = id});
    return *this;
  }
  Builder& Latest(const std::string& topic, MessageId id) {
    h.Add(HistoryEvent{.time_ns = ++t, .kind = EventKind::kLatest, .topic = topic, .id = id});
    return *this;
  }
  Builder& Event(EventKind k) {
    h.Add(HistoryEvent{.time_ns = ++t, .kind = k});
    return *this;
  }
  Builder& FailedDestroy(const std::string& topic, absl::StatusCode code) {
    h.Add(HistoryEvent{.time_ns = ++t,
                       .kind = EventKind::kDestroyTopic,
                       .topic = topic,
                       .ok = false,
                       .code = static_cast<int>(code)});
    return *this;
  }
};

std::string PropertyOf(const std::optional<Violation>& v) {
  return v ? std::string(Name(v->property)) : "none";
}

TEST_CASE("Ordering fails on reused ids, reordered reads and changed payloads") {
  CHECK(PropertyOf(CheckOrdering(Builder().Produce("a", 1, "x").Produce("a", 2, "y").h)) == "none");
  CHECK(PropertyOf(CheckOrdering(Builder().Produce("a", 2, "x").Produce("a", 2, "y").h)) ==
        "ordering");
  CHECK(PropertyOf(CheckOrdering(Builder()
                                     .Produce("a", 1, "x")
                                     .Produce("a", 2, "y")
                                     .Consume("a", {{2, "y"}, {1, "x"}})
                                     .h)) == "ordering");
  CHECK(PropertyOf(CheckOrdering(Builder().Produce("a", 1, "x").Consume("a", {{1, "z"}}).h)) ==
        "ordering");
  // decimal_keys: "10" sorts before "9"
  CHECK(PropertyOf(CheckOrdering(Builder()
                                     .Produce("a", 9, "x")
                                     .Produce("a", 10, "y")
                                     .Consume("a", {{10, "y"}, {9, "x"}})
                                     .h)) == "ordering");
}

TEST_CASE("Ordering fails on a read that returns more than it asked for") {
  auto asking = [](EventKind kind, int64_t asked) {
    return Builder()
        .Produce("a", 1, "x")
        .Produce("a", 2, "y")
        .Consume("a", {{1, "x"}, {2, "y"}}, kind, asked)
        .h;
  };
  for (EventKind kind : {EventKind::kConsume, EventKind::kReceive}) {
    CAPTURE(ToString(kind));
    CHECK(PropertyOf(CheckOrdering(asking(kind, 2))) == "none");
    CHECK(PropertyOf(CheckOrdering(asking(kind, 3))) == "none");
    CHECK(PropertyOf(CheckOrdering(asking(kind, -1))) == "none");  // not recorded
    CHECK(PropertyOf(CheckOrdering(asking(kind, 1))) == "ordering");
    CHECK(PropertyOf(CheckOrdering(asking(kind, 0))) == "ordering");
  }
}

TEST_CASE("Ids may start over only where a failed destroy may have removed the topic") {
  using C = absl::StatusCode;
  auto after = [](C code) {
    return Builder().Produce("a", 1, "x").Produce("a", 2, "y").FailedDestroy("a", code);
  };
  // The destroy failed after it removed the stream: the store numbers the new one from 1,
  // and the old messages are owed to nobody.
  Builder gone = after(C::kUnavailable).Produce("a", 1, "z");
  gone.Consume("a", {{1, "z"}}, EventKind::kReadAll);
  CHECK(PropertyOf(CheckOrdering(gone.h)) == "none");
  CHECK(PropertyOf(CheckDurability(gone.h, {})) == "none");
  // The topic stayed (its ids went on): reusing an id later is still an ordering failure.
  CHECK(PropertyOf(CheckOrdering(
            after(C::kUnavailable).Produce("a", 3, "z").Produce("a", 1, "w").h)) == "ordering");
  // NOT_FOUND: nothing was destroyed, so ids must go on.
  CHECK(PropertyOf(CheckOrdering(after(C::kNotFound).Produce("a", 1, "z").h)) == "ordering");
  // A read may show it first: a produce into the new stream read while still being answered.
  Builder read_first = after(C::kUnavailable);
  read_first.Consume("a", {{1, "z"}}).Produce("a", 1, "z");
  CHECK(PropertyOf(CheckOrdering(read_first.h)) == "none");
  Builder stayed = after(C::kNotFound);  // nothing destroyed: id 1 holds x
  stayed.Consume("a", {{1, "z"}});
  CHECK(PropertyOf(CheckOrdering(stayed.h)) == "ordering");
}

TEST_CASE("No-gap fails when a group skips an acknowledged message") {
  Builder ok;
  ok.Produce("a", 1, "x")
      .Produce("a", 2, "y")
      .Produce("a", 3, "z")
      .Group("a")
      .Consume("a", {{1, "x"}})
      .Consume("a", {{2, "y"}, {3, "z"}});
  CHECK(PropertyOf(CheckNoGapsAndSeeks(ok.h)) == "none");
  Builder bad;
  bad.Produce("a", 1, "x")
      .Produce("a", 2, "y")
      .Produce("a", 3, "z")
      .Group("a")
      .Consume("a", {{1, "x"}})
      .Consume("a", {{3, "z"}});
  const auto v = CheckNoGapsAndSeeks(bad.h);
  CHECK(PropertyOf(v) == "no_gap");
  CHECK(v->detail.find("expected acknowledged id 2") != std::string::npos);
  // Retention may legitimately start reads later (ack_off_by_one needs retention off to show).
  CHECK(PropertyOf(CheckNoGapsAndSeeks(bad.h, CheckOptions{.retention = true})) == "none");
  // Re-delivery of something already read is a gap's twin.
  Builder again;
  again.Produce("a", 1, "x")
      .Produce("a", 2, "y")
      .Group("a")
      .Consume("a", {{1, "x"}})
      .Consume("a", {{1, "x"}, {2, "y"}});
  CHECK(PropertyOf(CheckNoGapsAndSeeks(again.h)) == "no_gap");
}

TEST_CASE("Seek fails below its target and when it misses the target") {
  auto base = [] {
    Builder b;
    for (MessageId i = 1; i <= 5; ++i) b.Produce("a", i, "m" + std::to_string(i));
    return b.Group("a");
  };
  CHECK(PropertyOf(CheckNoGapsAndSeeks(base().Seek("a", 3).Consume("a", {{3, "m3"}}).h)) == "none");
  // seek_missing_to_earliest: a seek lands earlier than asked.
  CHECK(PropertyOf(CheckNoGapsAndSeeks(base().Seek("a", 3).Consume("a", {{1, "m1"}}).h)) == "seek");
  // not inclusive
  CHECK(PropertyOf(CheckNoGapsAndSeeks(base().Seek("a", 3).Consume("a", {{4, "m4"}}).h)) == "seek");
  // A seek to a missing id lands on the next one.
  Builder gap;
  gap.Produce("a", 1, "m1").Produce("a", 5, "m5").Group("a").Seek("a", 3).Consume("a", {{5, "m5"}});
  CHECK(PropertyOf(CheckNoGapsAndSeeks(gap.h)) == "none");
}

TEST_CASE("A seek beyond the latest lands just after it where the store clamps") {
  Builder b;
  b.Produce("a", 1, "m1").Produce("a", 2, "m2").Group("a").Seek("a", 9).Produce("a", 3, "m3");
  const CheckOptions clamps{.retention = false, .skips = nullptr, .seek_clamps_to_latest = true};
  CHECK(PropertyOf(CheckNoGapsAndSeeks(Builder(b).Consume("a", {{3, "m3"}}).h, clamps)) == "none");
  // Elsewhere the seek lands at its target: 3 is below it.
  CHECK(PropertyOf(CheckNoGapsAndSeeks(Builder(b).Consume("a", {{3, "m3"}}).h)) == "seek");
  // Clamped, it still owes what came after the latest, and nothing before it.
  CHECK(PropertyOf(CheckNoGapsAndSeeks(Builder(b).Consume("a", {}).h, clamps)) == "no_gap");
  CHECK(PropertyOf(CheckNoGapsAndSeeks(Builder(b).Consume("a", {{2, "m2"}}).h, clamps)) == "seek");
}

TEST_CASE("Purged and deleted messages are owed to nobody") {
  Builder b;
  b.Produce("a", 1, "x", true).Produce("a", 2, "y", true).Produce("a", 3, "z", true);
  auto del = [](Builder x, bool ok, int code) {
    x.h.Add(HistoryEvent{.time_ns = ++x.t,
                         .kind = EventKind::kDeleteMessage,
                         .topic = "a",
                         .ok = ok,
                         .code = code,
                         .id = 2});
    return x;
  };
  const auto read13 = [](Builder x) {
    return x.Consume("a", {{1, "x"}, {3, "z"}}, EventKind::kReadAll).h;
  };
  CHECK(PropertyOf(CheckDurability(read13(b))) == "durability");
  CHECK(PropertyOf(CheckDurability(read13(del(b, true, 0)))) == "none");
  // A failed delete may have happened, unless the store said the message was not there.
  CHECK(PropertyOf(CheckDurability(read13(del(b, false, 14)))) == "none");
  CHECK(PropertyOf(CheckDurability(read13(del(b, false, 5)))) == "durability");
  Builder purged = b;
  purged.h.Add(HistoryEvent{.time_ns = ++purged.t, .kind = EventKind::kPurge, .topic = "a"});
  CHECK(PropertyOf(CheckDurability(purged.Consume("a", {}, EventKind::kReadAll).h)) == "none");
  // A group owes nothing purged: it may read on after the purge from what comes next.
  Builder g = b;
  g.Group("a").Consume("a", {{1, "x"}});
  g.h.Add(HistoryEvent{.time_ns = ++g.t, .kind = EventKind::kPurge, .topic = "a"});
  g.Produce("a", 4, "w").Consume("a", {{4, "w"}});
  CHECK(PropertyOf(CheckNoGapsAndSeeks(g.h)) == "none");
}

TEST_CASE("Latest fails on another topic's id and below an acknowledged id") {
  Builder b;
  b.Produce("channel_tes", 1, "a").Produce("channel_tes", 2, "b");
  for (MessageId i = 1; i <= 9; ++i) b.Produce("channel_test", i, "c");
  CHECK(PropertyOf(CheckLatest(Builder(b).Latest("channel_tes", 2).h)) == "none");
  // latest_prefix: the answer of "channel_test" for "channel_tes".
  CHECK(PropertyOf(CheckLatest(Builder(b).Latest("channel_tes", 9).h)) == "latest");
  CHECK(PropertyOf(CheckLatest(Builder(b).Latest("channel_test", 5).h)) == "latest");
  CHECK(PropertyOf(CheckLatest(Builder(b).Latest("channel_test", backends::kNoMessage).h)) ==
        "latest");
  // A failed purge may not have happened: the latest may still be an id it would have taken.
  Builder purge = b;
  purge.h.Add(HistoryEvent{
      .time_ns = ++purge.t, .kind = EventKind::kPurge, .topic = "channel_test", .ok = false});
  CHECK(PropertyOf(CheckLatest(Builder(purge).Latest("channel_test", 9).h)) == "none");
  CHECK(PropertyOf(CheckLatest(Builder(purge).Latest("channel_test", 10).h)) == "latest");
}

TEST_CASE("Latest may answer a failed produce's id, only between the acks around it") {
  // Ids 1, 2 acknowledged; a produce fails (it may have stored id 3 or so); 5, 6 acknowledged
  // unsynced; a power loss takes them. The failed produce's id lies between 2 and 5.
  Builder b;
  b.Produce("a", 1, "x").Produce("a", 2, "y");
  b.h.Add(HistoryEvent{.time_ns = ++b.t, .kind = EventKind::kProduce, .topic = "a", .ok = false});
  b.Produce("a", 5, "v").Produce("a", 6, "w").Event(EventKind::kPowerLoss);
  CHECK(PropertyOf(CheckLatest(Builder(b).Latest("a", 3).h)) == "none");
  CHECK(PropertyOf(CheckLatest(Builder(b).Latest("a", 4).h)) == "none");
  // Nothing failed after 6 was acknowledged: no unknown id above it, none below 2's.
  CHECK(PropertyOf(CheckLatest(Builder(b).Latest("a", 7).h)) == "latest");
  // A failure still unanswered by a later ack leaves every id above the last ack possible.
  Builder open = b;
  open.h.Add(
      HistoryEvent{.time_ns = ++open.t, .kind = EventKind::kProduce, .topic = "a", .ok = false});
  CHECK(PropertyOf(CheckLatest(Builder(open).Latest("a", 7).h)) == "none");
  CHECK(PropertyOf(CheckLatest(Builder(open).Latest("a", 5).h)) == "none");  // acknowledged
}

TEST_CASE("Durability fails on a lost promised message and on an invented one") {
  Builder b;
  b.Produce("a", 1, "x", true)
      .Produce("a", 2, "y", true)
      .Event(EventKind::kCrash)
      .Event(EventKind::kRecover);
  CHECK(PropertyOf(CheckDurability(
            Builder(b).Consume("a", {{1, "x"}, {2, "y"}}, EventKind::kReadAll).h)) == "none");
  CHECK(PropertyOf(CheckDurability(Builder(b).Consume("a", {{1, "x"}}, EventKind::kReadAll).h)) ==
        "durability");
  CHECK(PropertyOf(CheckDurability(
            Builder(b).Consume("a", {{1, "x"}, {2, "y"}, {3, "ghost"}}, EventKind::kReadAll).h)) ==
        "durability");
  // Unsynced and acknowledged before a power loss: not promised.
  Builder p;
  p.Produce("a", 1, "x", true)
      .Produce("a", 2, "y", false)
      .Event(EventKind::kPowerLoss)
      .Consume("a", {{1, "x"}}, EventKind::kReadAll);
  CHECK(PropertyOf(CheckDurability(p.h)) == "none");
  // skip_wal_sync: a synced one lost to a power loss.
  Builder s;
  s.Produce("a", 1, "x", true)
      .Produce("a", 2, "y", true)
      .Event(EventKind::kPowerLoss)
      .Consume("a", {{1, "x"}}, EventKind::kReadAll);
  CHECK(PropertyOf(CheckDurability(s.h)) == "durability");
  // A produce whose answer was lost (failed) may be there, under an id nobody acknowledged;
  // a payload nobody produced may not, nor another payload under an acknowledged id.
  Builder lost;
  lost.Produce("a", 1, "x", true);
  lost.h.Add(HistoryEvent{
      .time_ns = 10, .kind = EventKind::kProduce, .topic = "a", .ok = false, .payload = "z"});
  CHECK(PropertyOf(CheckDurability(
            Builder(lost).Consume("a", {{1, "x"}, {2, "z"}}, EventKind::kReadAll).h)) == "none");
  CHECK(PropertyOf(CheckDurability(
            Builder(lost).Consume("a", {{1, "x"}, {2, "w"}}, EventKind::kReadAll).h)) ==
        "durability");
  CHECK(PropertyOf(CheckDurability(
            Builder(lost).Consume("a", {{1, "z"}}, EventKind::kReadAll).h)) == "durability");
  // Not promised (unsynced before a power loss), so it may be gone, but not replaced by a
  // payload nobody produced.
  Builder unsynced;
  unsynced.Produce("a", 1, "x", false).Event(EventKind::kPowerLoss);
  CHECK(PropertyOf(CheckDurability(Builder(unsynced).Consume("a", {}, EventKind::kReadAll).h)) ==
        "none");
  CHECK(PropertyOf(CheckDurability(
            Builder(unsynced).Consume("a", {{1, "q"}}, EventKind::kReadAll).h)) == "durability");
}

TEST_CASE("Durability: a completed sync pass promises what was acknowledged before it") {
  // natsmq's syncInterval: unsynced publishes, a sync pass, more publishes, a power loss.
  Builder b;
  b.Produce("a", 1, "x", false)
      .Event(EventKind::kSync)
      .Produce("a", 2, "y", false)
      .Event(EventKind::kPowerLoss)
      .Event(EventKind::kRecover);
  // The publish after the pass may go; the one before it may not.
  CHECK(PropertyOf(CheckDurability(Builder(b).Consume("a", {{1, "x"}}, EventKind::kReadAll).h)) ==
        "none");
  CHECK(PropertyOf(CheckDurability(Builder(b).Consume("a", {}, EventKind::kReadAll).h)) ==
        "durability");
  // A power loss between the publish and the pass: the pass promises nothing about it, not
  // at that loss and not at a later one.
  Builder c;
  c.Produce("a", 1, "x", false)
      .Event(EventKind::kPowerLoss)
      .Event(EventKind::kRecover)
      .Event(EventKind::kSync)
      .Event(EventKind::kPowerLoss)
      .Event(EventKind::kRecover);
  CHECK(PropertyOf(CheckDurability(Builder(c).Consume("a", {}, EventKind::kReadAll).h)) == "none");
  // A pass before a first loss still promises its messages at a second loss.
  Builder d;
  d.Produce("a", 1, "x", false)
      .Event(EventKind::kSync)
      .Event(EventKind::kPowerLoss)
      .Event(EventKind::kRecover)
      .Event(EventKind::kPowerLoss)
      .Event(EventKind::kRecover);
  CHECK(PropertyOf(CheckDurability(Builder(d).Consume("a", {}, EventKind::kReadAll).h)) ==
        "durability");
}

// A push consumer's event on topic "t" (of group "g", unless a produce).
HistoryEvent PushEvent(int64_t t, EventKind k, MessageId id = backends::kNoMessage,
                       std::vector<MessageId> got = {}) {
  HistoryEvent e{.time_ns = t, .kind = k, .topic = "t"};
  if (k != EventKind::kProduce) e.group = "g";
  e.id = id;
  for (MessageId m : got) e.messages.push_back(Message{m, "p"});
  return e;
}

// The same, failed as a closed subscription answers.
HistoryEvent FailedPushEvent(int64_t t, EventKind k) {
  HistoryEvent e = PushEvent(t, k);
  e.ok = false;
  e.code = static_cast<int>(absl::StatusCode::kFailedPrecondition);
  return e;
}

// "property: detail" of CheckDeliveryLiveness with a 2 s bound, or empty.
std::string DeliveryVerdict(std::vector<HistoryEvent> events,
                            std::optional<uint64_t> max_pending = std::nullopt) {
  History h;
  for (auto& e : events) h.Add(std::move(e));
  const auto v = CheckDeliveryLiveness(h, sim::Duration::Seconds(2), max_pending);
  return v ? std::string(Name(v->property)) + ": " + v->detail : std::string();
}

TEST_CASE("Delivery liveness: a reading push consumer gets every acknowledged message, in order") {
  constexpr int64_t kSec = 1'000'000'000;
  using K = EventKind;
  // Delivered promptly: fine; an empty receive soon after a produce: fine (within the bound).
  CHECK(
      DeliveryVerdict({PushEvent(0, K::kSubscribe), PushEvent(kSec, K::kProduce, 1),
                       PushEvent(kSec + 1, K::kReceive), PushEvent(2 * kSec, K::kReceive, -1, {1})})
          .empty());
  // Still owed long after: the subscriber was never woken.
  CHECK(DeliveryVerdict({PushEvent(0, K::kSubscribe), PushEvent(kSec, K::kProduce, 1),
                         PushEvent(10 * kSec, K::kReceive)})
            .find("never delivered") != std::string::npos);
  // Passed over.
  CHECK(
      DeliveryVerdict({PushEvent(0, K::kSubscribe), PushEvent(kSec, K::kProduce, 1),
                       PushEvent(kSec, K::kProduce, 2), PushEvent(2 * kSec, K::kReceive, -1, {2})})
          .find("before acknowledged id 1") != std::string::npos);
  // Out of order.
  CHECK(DeliveryVerdict({PushEvent(0, K::kSubscribe), PushEvent(kSec, K::kProduce, 1),
                         PushEvent(kSec, K::kProduce, 2),
                         PushEvent(2 * kSec, K::kReceive, -1, {1, 2}),
                         PushEvent(3 * kSec, K::kReceive, -1, {2})})
            .find("after id 2") != std::string::npos);
  // A fetch of the delivery task the store refused: the wait counts from the refusal.
  HistoryEvent refused = PushEvent(59 * kSec, K::kConsume);
  refused.ok = false;
  refused.code = static_cast<int>(absl::StatusCode::kUnavailable);
  CHECK(DeliveryVerdict({PushEvent(0, K::kSubscribe), PushEvent(kSec, K::kProduce, 1), refused,
                         PushEvent(60 * kSec, K::kReceive)})
            .empty());
  CHECK(DeliveryVerdict({PushEvent(0, K::kSubscribe), PushEvent(kSec, K::kProduce, 1), refused,
                         PushEvent(62 * kSec, K::kReceive)})
            .find("3000 ms after the store last refused") != std::string::npos);
  // Messages acknowledged before the subscription, or across a crash, are not owed to it.
  CHECK(DeliveryVerdict({PushEvent(0, K::kProduce, 1), PushEvent(kSec, K::kSubscribe),
                         PushEvent(10 * kSec, K::kReceive)})
            .empty());
  CHECK(DeliveryVerdict({PushEvent(0, K::kSubscribe), PushEvent(kSec, K::kProduce, 1),
                         PushEvent(2 * kSec, K::kCrash), PushEvent(10 * kSec, K::kReceive)})
            .empty());
}

TEST_CASE(
    "Delivery liveness: a subscription is closed when its group or topic goes, and only then") {
  constexpr int64_t kSec = 1'000'000'000;
  auto ev = [](int64_t t, EventKind k) { return PushEvent(t, k); };
  auto failed = FailedPushEvent;
  auto check = [](std::vector<HistoryEvent> events) { return DeliveryVerdict(std::move(events)); };
  using K = EventKind;
  // Destroyed group: what was buffered may still come out, then the store says closed.
  CHECK(check({ev(0, K::kSubscribe), ev(kSec, K::kDestroyGroup),
               PushEvent(kSec, K::kReceive, -1, {4}), failed(kSec, K::kReceive),
               ev(kSec, K::kCreateGroup), ev(kSec, K::kSubscribe), ev(2 * kSec, K::kReceive)})
            .empty());
  // Never closed: it answers, with nothing, after its group was destroyed.
  CHECK(check({ev(0, K::kSubscribe), ev(kSec, K::kDestroyGroup), ev(kSec, K::kReceive)})
            .find("after its group was destroyed") != std::string::npos);
  CHECK(check({ev(0, K::kSubscribe), ev(kSec, K::kDestroyTopic), ev(kSec, K::kReceive)})
            .find("after its topic was destroyed") != std::string::npos);
  // A failed destroy ends nothing; a restart drops the old subscription with the process.
  CHECK(
      check({ev(0, K::kSubscribe), failed(kSec, K::kDestroyGroup), ev(kSec, K::kReceive)}).empty());
  CHECK(check({ev(0, K::kSubscribe), ev(kSec, K::kDestroyGroup), ev(kSec, K::kCrash),
               ev(2 * kSec, K::kRecover), ev(2 * kSec, K::kReceive)})
            .empty());
  // Closed on its own: the group and topic are still there and the store did not stop.
  CHECK(check({ev(0, K::kSubscribe), failed(kSec, K::kReceive)})
            .find("the store closed the subscription") != std::string::npos);
  // A crash point inside the Receive: the process dies at that instant, after the call.
  CHECK(check({ev(0, K::kSubscribe), failed(kSec, K::kReceive), ev(kSec, K::kConsume),
               ev(kSec, K::kCrash)})
            .empty());
  CHECK(check({ev(0, K::kSubscribe), failed(kSec, K::kReceive), ev(kSec + 1, K::kCrash)})
            .find("the store closed the subscription") != std::string::npos);
  // Another group's destroy does not end this one's subscription.
  auto other = ev(kSec, K::kDestroyGroup);
  other.group = "h";
  CHECK(check({ev(0, K::kSubscribe), other, failed(kSec, K::kReceive)})
            .find("the store closed the subscription") != std::string::npos);
}

TEST_CASE("Delivery liveness: a slow consumer is cut off exactly when over maxPending") {
  constexpr int64_t kSec = 1'000'000'000;
  using K = EventKind;
  auto ev = [](int64_t t, EventKind k) { return PushEvent(t, k); };
  HistoryEvent slow = FailedPushEvent(2 * kSec, K::kReceive);
  slow.code = static_cast<int>(absl::StatusCode::kResourceExhausted);
  // Three 1-byte payloads taken by the delivery task against a bound of 2 bytes.
  const std::vector<HistoryEvent> three = {
      ev(0, K::kSubscribe), PushEvent(kSec, K::kProduce, 1), PushEvent(kSec, K::kProduce, 2),
      PushEvent(kSec, K::kProduce, 3), PushEvent(kSec, K::kConsume, -1, {1, 2, 3})};
  auto with = [&](std::vector<HistoryEvent> more) {
    std::vector<HistoryEvent> all = three;
    all.insert(all.end(), more.begin(), more.end());
    return all;
  };
  // Over the bound and cut off; the application subscribes anew and is owed what follows.
  CHECK(
      DeliveryVerdict(with({slow, ev(2 * kSec, K::kSubscribe), PushEvent(3 * kSec, K::kProduce, 4),
                            PushEvent(3 * kSec, K::kConsume, -1, {4}),
                            PushEvent(4 * kSec, K::kReceive, -1, {4})}),
                      2)
          .empty());
  // Within the bound (3 bytes): cut off too early.
  CHECK(DeliveryVerdict(with({slow}), 3).find("cut off as a slow consumer with only 3 bytes") !=
        std::string::npos);
  // Over the bound and still answering: never cut off.
  CHECK(DeliveryVerdict(with({PushEvent(2 * kSec, K::kReceive, -1, {1})}), 2)
            .find("not cut off as a slow consumer with 3 bytes") != std::string::npos);
  // What the application received no longer counts: 1 byte left, then 2 more, within 2.
  CHECK(DeliveryVerdict(
            with({PushEvent(2 * kSec, K::kReceive, -1, {1, 2}), PushEvent(2 * kSec, K::kProduce, 4),
                  PushEvent(2 * kSec, K::kConsume, -1, {4}),
                  PushEvent(3 * kSec, K::kReceive, -1, {3, 4})}),
            3)
            .empty());
  // After a cut-off the subscription stays closed.
  CHECK(DeliveryVerdict(with({slow, ev(3 * kSec, K::kReceive)}), 2)
            .find("after it was cut off as a slow consumer") != std::string::npos);
  // Without a bound a cut-off is a subscription the store closed on its own.
  CHECK(DeliveryVerdict(with({slow})).find("the store closed the subscription") !=
        std::string::npos);
}

}  // namespace
}  // namespace mqsim::properties
