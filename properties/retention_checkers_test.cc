// Retention, resurrection and NATS-limit checkers: they pass on histories recorded from the
// engines with retention and limits on, and fail on hand-made bad histories.
#include "properties/retention_checkers.h"

#include <catch2/catch.hpp>

#include "backends/natsmq_queue.h"
#include "backends/rocksmq_queue.h"
#include "properties/accounting_checker.h"
#include "properties/recording_queue.h"
#include "sim/random.h"
#include "sim/rocksdb_interpose.h"
#include "storage/natsmq/record.h"
#include "tests/engine_world.h"

namespace mqsim::properties {
namespace {

using testing::EngineWorld;

constexpr int64_t kMinute = 60'000'000'000;

void ReadAll(backends::MessageQueue& mq, const std::string& topic, History* h, int64_t now_ns) {
  REQUIRE(RecordFullRead(mq, topic, h, now_ns).ok());
}

// A workload of produces, two groups consuming at different speeds, seeks, and a read-all
// every simulated 20 s, for 15 simulated minutes.
void Drive(EngineWorld& w, backends::MessageQueue& inner, History* h, uint64_t seed) {
  auto now = [&] { return w.NowMs() * 1'000'000; };
  RecordingQueue q(&inner, h, now, false);
  sim::Random rng(seed);
  REQUIRE(q.CreateTopic("t").ok());
  REQUIRE(q.CreateConsumerGroup("t", "fast").ok());
  REQUIRE(q.CreateConsumerGroup("t", "slow").ok());
  int n = 0;
  for (int step = 0; step < 900; ++step) {
    w.Advance(sim::Duration::Seconds(1));
    for (int i = static_cast<int>(rng.Uniform(0, 3)); i > 0; --i) {
      (void)q.Produce("t", "m" + std::to_string(n++) +
                               std::string(static_cast<size_t>(rng.Uniform(10, 400)), 'x'));
    }
    (void)q.Consume("t", "fast", 5);
    if (rng.Chance(0.3)) (void)q.Consume("t", "slow", 4);
    if (rng.Chance(0.01)) (void)q.SeekToLatest("t", "slow");
    if (step % 7 == 0) (void)q.GetLatestMsg("t");
    if (step % 20 == 19) ReadAll(inner, "t", h, now());
  }
}

TEST_CASE("RocksMQ retention histories pass the retention and resurrection checkers") {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    sim::ResetRocksDbInternals(seed);
    auto w = EngineWorld::Make(EngineWorld::Kind::kSimulated, seed);
    rocksmq::RocksMqOptions o;
    o.path = w->Dir() + "/rmq";
    o.page_size_bytes = 2048;
    o.retention_time_minutes = 2;
    o.retention_size_mb = -1;
    o.ticker_interval_s = 10;
    auto mq = rocksmq::RocksMQ::Open(o, w->RocksMqHost());
    REQUIRE(mq.ok());
    backends::RocksMqQueue q(std::move(*mq));
    w->StartJobs(q.engine().PeriodicJobs());
    History h;
    Drive(*w, q, &h, seed);
    w->StopJobs();
    RetentionBounds b;
    b.time = sim::Duration::Minutes(2);
    b.page_bytes = o.page_size_bytes;
    b.tick = sim::Duration::Seconds(10);
    b.slack = sim::Duration::Seconds(1);  // the workload's 1 s steps
    const auto r = CheckRetention(h, b);
    INFO("seed " << seed << ": " << (r ? r->ToString(h) : ""));
    CHECK_FALSE(r);
    const auto z = CheckNoResurrection(h);
    INFO((z ? z->ToString(h) : ""));
    CHECK_FALSE(z);
    const auto pa = CheckPageAccounting(h);
    INFO((pa ? pa->ToString(h) : ""));
    CHECK_FALSE(pa);
    const auto l = CheckLatestUnderRetention(h, b);
    INFO((l ? l->ToString(h) : ""));
    CHECK_FALSE(l);
    size_t accountings = 0, closed_pages = 0;
    for (const auto& e : h.events()) {
      if (e.kind != EventKind::kAccounting) continue;
      ++accountings;
      closed_pages += e.accounting->pages.size();
    }
    CHECK(accountings == 45);  // one per read-all
    CHECK(closed_pages > 0);
    // Retention did delete: the last read-all starts well after id 1.
    const HistoryEvent* last = nullptr;
    for (const auto& e : h.events())
      if (e.kind == EventKind::kReadAll) last = &e;
    REQUIRE(last != nullptr);
    REQUIRE_FALSE(last->messages.empty());
    CHECK(last->messages.front().id > 100);
    REQUIRE(q.Close().ok());
  }
}

TEST_CASE("NATS limit histories pass the limit and resurrection checkers") {
  struct Case {
    int64_t max_msgs, max_bytes, max_age_ns;
  };
  for (const Case c : {Case{50, -1, 0}, Case{-1, 8000, 0}, Case{-1, -1, kMinute}}) {
    sim::ResetRocksDbInternals(1);
    auto w = EngineWorld::Make(EngineWorld::Kind::kSimulated, 1);
    natsmq::NatsMqOptions o;
    o.store_dir = w->Dir() + "/nats";
    if (c.max_msgs > 0) o.retention_max_msgs = c.max_msgs;
    if (c.max_bytes > 0) o.retention_max_bytes = c.max_bytes;
    if (c.max_age_ns > 0) o.retention_max_age_minutes = c.max_age_ns / kMinute;
    auto st = natsmq::NatsStore::Open(o, natsmq::NatsHost{w->FileSystem(), w->Clock(), w->Waker()});
    REQUIRE(st.ok());
    backends::NatsQueue q(std::move(*st), o);
    w->StartJobs(q.engine().PeriodicJobs());
    History h;
    Drive(*w, q, &h, 7);
    w->StopJobs();
    NatsLimits l{
        c.max_msgs, c.max_bytes,
        c.max_age_ns > 0 ? std::optional(sim::Duration::Nanos(c.max_age_ns)) : std::nullopt,
        sim::Duration::Zero(), [](const std::string& topic, uint64_t payload_bytes) {
          return JetStreamStoredBytes(topic.size(), 0, payload_bytes);
        }};
    const auto v = CheckNatsLimits(h, l);
    INFO((v ? v->ToString(h) : ""));
    CHECK_FALSE(v);
    CHECK_FALSE(CheckNoResurrection(h));
    // The stream's own state (first sequence, count, bytes) agrees with every read-all.
    const auto pa = CheckPageAccounting(h, {.stored_bytes = l.size_of});
    INFO((pa ? pa->ToString(h) : ""));
    CHECK_FALSE(pa);
    size_t accountings = 0;
    for (const auto& e : h.events()) accountings += e.kind == EventKind::kAccounting ? 1 : 0;
    CHECK(accountings > 0);
    REQUIRE(q.Close().ok());
  }
}

// ------------------------------------------------------------------ hand-made bad histories

struct B {
  History h;
  B& Add(HistoryEvent e) {
    h.Add(std::move(e));
    return *this;
  }
  B& Produce(MessageId id, int64_t t, const std::string& p = "x") {
    return Add({.time_ns = t, .kind = EventKind::kProduce, .topic = "t", .id = id, .payload = p});
  }
  B& Group(int64_t t) {
    return Add({.time_ns = t, .kind = EventKind::kCreateGroup, .topic = "t", .group = "g"});
  }
  B& Consume(int64_t t, std::vector<MessageId> ids, EventKind k = EventKind::kConsume) {
    HistoryEvent e{.time_ns = t, .kind = k, .topic = "t", .group = "g"};
    for (MessageId id : ids) e.messages.push_back(Message{id, "x"});
    return Add(std::move(e));
  }
};

std::string Prop(const std::optional<Violation>& v) {
  return v ? std::string(Name(v->property)) : "none";
}

TEST_CASE("Retention fails when a message goes early or stays too long") {
  RetentionBounds b{.time = sim::Duration::Minutes(1),
                    .size_bytes = -1,
                    .page_bytes = 1,
                    .tick = sim::Duration::Seconds(1),
                    .slack = sim::Duration::Zero()};
  // Deleted before any group read it (ack_off_by_one's effect).
  CHECK(
      Prop(CheckRetention(
          B().Group(0).Produce(1, 1).Produce(2, 2).Consume(kMinute * 5, {2}, EventKind::kReadAll).h,
          b)) == "retention");
  // Read at t=10 s, gone at 30 s: before the minute ran out.
  const auto early = CheckRetention(B().Group(0)
                                        .Produce(1, 1)
                                        .Produce(2, 2)
                                        .Produce(3, 3)
                                        .Consume(10'000'000'000, {1, 2, 3})
                                        .Consume(30'000'000'000, {2, 3}, EventKind::kReadAll)
                                        .h,
                                    b);
  CHECK(Prop(early) == "retention");
  CHECK(early->detail.find("before its retention time ran out") != std::string::npos);
  // Gone after the minute: fine.
  CHECK(Prop(CheckRetention(B().Group(0)
                                .Produce(1, 1)
                                .Produce(2, 2)
                                .Produce(3, 3)
                                .Consume(10'000'000'000, {1, 2, 3})
                                .Consume(75'000'000'000, {2, 3}, EventKind::kReadAll)
                                .h,
                            b)) == "none");
  // Still there long after it was due (ack_page_missed, gc_pause_drops_timer).
  const auto late = CheckRetention(B().Group(0)
                                       .Produce(1, 1, "x")
                                       .Produce(2, 2, "yy")
                                       .Produce(3, 3, "zz")
                                       .Consume(10'000'000'000, {1, 2, 3})
                                       .Consume(10 * kMinute, {1, 2, 3}, EventKind::kReadAll)
                                       .h,
                                   b);
  CHECK(Prop(late) == "retention");
  CHECK(late->detail.find("after it was due") != std::string::npos);
}

TEST_CASE("Retention's size rule: a deletion needs more acknowledged bytes left than the limit") {
  RetentionBounds b{.time = std::nullopt,
                    .size_bytes = 5,
                    .page_bytes = 1,
                    .tick = sim::Duration::Seconds(1),
                    .slack = sim::Duration::Zero()};
  auto read_after = [](int64_t read_at) {
    return B()
        .Group(0)
        .Produce(1, 1)
        .Produce(2, 2)
        .Produce(3, 3)
        .Consume(10'000'000'000, {1, 2, 3})
        .Consume(read_at, {2, 3}, EventKind::kReadAll)
        .h;
  };
  // Two acknowledged bytes left, the limit is five: the size rule cannot have deleted id 1.
  const auto v = CheckRetention(read_after(20'000'000'000), b);
  CHECK(Prop(v) == "retention");
  CHECK(v->detail.find("with no more acknowledged bytes left than retentionSizeInMB allows") !=
        std::string::npos);
  // With a limit of one byte it can.
  b.size_bytes = 1;
  CHECK(Prop(CheckRetention(read_after(20'000'000'000), b)) == "none");
  // Both rules: neither explains a deletion at 30 s; the time rule explains it at 75 s.
  b.size_bytes = 5;
  b.time = sim::Duration::Minutes(1);
  const auto both = CheckRetention(read_after(30'000'000'000), b);
  CHECK(Prop(both) == "retention");
  CHECK(both->detail.find("before its retention time ran out, and with no more acknowledged") !=
        std::string::npos);
  CHECK(Prop(CheckRetention(read_after(75'000'000'000), b)) == "none");
}

TEST_CASE("Retention's size rule is judged by what was acknowledged when the last pass ran") {
  const RetentionBounds b{.time = std::nullopt,
                          .size_bytes = 2,
                          .page_bytes = 1,
                          .tick = sim::Duration::Seconds(1),
                          .slack = sim::Duration::Zero()};
  // Ids 1..3 read by the group at 10 s; a retention pass at 11 s deletes id 1, leaving two
  // acknowledged bytes: not more than the limit, so too early. Ids 4 and 5, read at 12 s,
  // came after the pass and cannot have justified it.
  auto history = [](bool pass_before_second_read) {
    const HistoryEvent pass{.time_ns = pass_before_second_read ? 11'000'000'000 : 12'500'000'000,
                            .kind = EventKind::kRetention,
                            .payload = "rocksmq.retention"};
    B h;
    h.Group(0).Produce(1, 1).Produce(2, 2).Produce(3, 3).Consume(10'000'000'000, {1, 2, 3});
    if (pass_before_second_read) h.Add(pass);
    h.Produce(4, 11'500'000'000).Produce(5, 11'600'000'000).Consume(12'000'000'000, {4, 5});
    if (!pass_before_second_read) h.Add(pass);
    return h.Consume(13'000'000'000, {2, 3, 4, 5}, EventKind::kReadAll).h;
  };
  CHECK(Prop(CheckRetention(history(true), b)) == "retention");
  // A pass after the second read saw four acknowledged bytes: the deletion may be its.
  CHECK(Prop(CheckRetention(history(false), b)) == "none");
}

TEST_CASE("No gap under retention: a skipped message is owed unless retention could take it") {
  const RetentionBounds b{.time = sim::Duration::Minutes(1),
                          .size_bytes = -1,
                          .page_bytes = 1,
                          .tick = sim::Duration::Seconds(1),
                          .slack = sim::Duration::Zero()};
  auto seek_then_read = [](int64_t read_at) {
    return B()
        .Group(0)
        .Produce(1, 1)
        .Produce(2, 2)
        .Produce(3, 3)
        .Consume(10'000'000'000, {1, 2, 3})
        .Add({.time_ns = 11'000'000'000,
              .kind = EventKind::kSeek,
              .topic = "t",
              .group = "g",
              .id = 2})
        .Consume(read_at, {3})
        .h;
  };
  // The seek to 2 lands on 3 a second after every group read 2: one past its target.
  const auto v = CheckNoGapUnderRetention(seek_then_read(12'000'000'000), b);
  CHECK(Prop(v) == "seek");
  CHECK(v->detail.find("expected acknowledged id 2 next, read id 3; retention cannot have "
                       "taken it") != std::string::npos);
  // Two minutes later the retention time has run since every group passed 2: it may be gone.
  CHECK(Prop(CheckNoGapUnderRetention(seek_then_read(3 * kMinute), b)) == "none");
  // With a size rule an acknowledged page may go at once.
  RetentionBounds sized = b;
  sized.size_bytes = 1;
  CHECK(Prop(CheckNoGapUnderRetention(seek_then_read(12'000'000'000), sized)) == "none");
  // A read that skips a message the group never read, however late: a gap.
  const auto gap2 = CheckNoGapUnderRetention(B().Group(0)
                                                 .Produce(1, 1)
                                                 .Produce(2, 2)
                                                 .Produce(3, 3)
                                                 .Consume(4, {1})
                                                 .Consume(10 * kMinute, {3})
                                                 .h,
                                             b);
  CHECK(Prop(gap2) == "no_gap");
  CHECK(gap2->detail.find("not every group had read it") != std::string::npos);
}

TEST_CASE("Latest under retention: none only once retention can have taken the last message") {
  const RetentionBounds b{.time = sim::Duration::Minutes(1),
                          .size_bytes = -1,
                          .page_bytes = 1,
                          .tick = sim::Duration::Seconds(1),
                          .slack = sim::Duration::Zero()};
  auto none_at = [](int64_t read_at, bool read_all) {
    B h;
    h.Group(0).Produce(1, 1).Produce(2, 2);
    if (read_all) h.Consume(10'000'000'000, {1, 2});
    return h
        .Add({.time_ns = read_at,
              .kind = EventKind::kLatest,
              .topic = "t",
              .id = backends::kNoMessage})
        .h;
  };
  // Nobody read message 2: retention cannot have taken it.
  const auto unread = CheckLatestUnderRetention(none_at(10 * kMinute, false), b);
  CHECK(Prop(unread) == "latest");
  CHECK(unread->detail.find("answered no message, but id 2 was acknowledged and retention "
                            "cannot have taken it (not every group had read it)") !=
        std::string::npos);
  // Read by every group, but the retention time has not run since.
  CHECK(Prop(CheckLatestUnderRetention(none_at(20'000'000'000, true), b)) == "latest");
  // Once it has, the topic may be empty.
  CHECK(Prop(CheckLatestUnderRetention(none_at(2 * kMinute, true), b)) == "none");
  // With a size rule an acknowledged page may go at once.
  RetentionBounds sized = b;
  sized.size_bytes = 1;
  CHECK(Prop(CheckLatestUnderRetention(none_at(20'000'000'000, true), sized)) == "none");
}

TEST_CASE("No-resurrection fails when a deleted or destroyed message comes back") {
  CHECK(Prop(CheckNoResurrection(B().Produce(1, 1)
                                     .Produce(2, 2)
                                     .Produce(3, 3)
                                     .Consume(5, {3}, EventKind::kReadAll)
                                     .Consume(6, {2})
                                     .h)) == "no_resurrection");
  // destroy_keeps_data: a re-created topic returns an old message.
  B d;
  d.Produce(1, 1, "old")
      .Add({.time_ns = 2, .kind = EventKind::kDestroyTopic, .topic = "t"})
      .Add({.time_ns = 3, .kind = EventKind::kCreateTopic, .topic = "t"});
  HistoryEvent back{.time_ns = 4, .kind = EventKind::kConsume, .topic = "t", .group = "g"};
  back.messages.push_back(Message{1, "old"});
  d.Add(back);
  CHECK(Prop(CheckNoResurrection(d.h)) == "no_resurrection");
}

TEST_CASE("No-resurrection fails when a purged or deleted message comes back") {
  auto removed = [](EventKind kind, bool ok) {
    B b;
    b.Produce(1, 1).Produce(2, 2).Produce(3, 3);
    b.Add({.time_ns = 4, .kind = kind, .topic = "t", .ok = ok, .id = 2});
    // A power loss does not excuse it: both calls are synced before they return ok.
    return b.Add({.time_ns = 5, .kind = EventKind::kPowerLoss});
  };
  CHECK(Prop(CheckNoResurrection(
            removed(EventKind::kDeleteMessage, true).Consume(6, {2, 3}, EventKind::kReadAll).h)) ==
        "no_resurrection");
  CHECK(Prop(CheckNoResurrection(
            removed(EventKind::kDeleteMessage, true).Consume(6, {1, 3}, EventKind::kReadAll).h)) ==
        "none");
  CHECK(Prop(CheckNoResurrection(removed(EventKind::kPurge, true).Consume(6, {3}).h)) ==
        "no_resurrection");
  CHECK(
      Prop(CheckNoResurrection(
          removed(EventKind::kPurge, true).Produce(4, 7).Consume(8, {4}, EventKind::kReadAll).h)) ==
      "none");
  // A failed call may not have happened.
  CHECK(Prop(CheckNoResurrection(removed(EventKind::kDeleteMessage, false)
                                     .Consume(6, {1, 2, 3}, EventKind::kReadAll)
                                     .h)) == "none");
  CHECK(Prop(CheckNoResurrection(removed(EventKind::kPurge, false).Consume(6, {1, 2, 3}).h)) ==
        "none");
}

TEST_CASE("NATS limits fail on too many messages, too many bytes, too old a message") {
  NatsLimits count{.max_msgs = 2, .max_bytes = -1, .max_age = {}, .slack = {}, .size_of = {}};
  CHECK(Prop(CheckNatsLimits(B().Produce(1, 1)
                                 .Produce(2, 2)
                                 .Produce(3, 3)
                                 .Consume(4, {1, 2, 3}, EventKind::kReadAll)
                                 .h,
                             count)) == "nats_limits");
  CHECK(Prop(CheckNatsLimits(
            B().Produce(1, 1).Produce(2, 2).Produce(3, 3).Consume(4, {2, 3}, EventKind::kReadAll).h,
            count)) == "none");
  // The last publish failed: its eviction may be pending (natsmq keeps messages whose
  // eviction marker it could not write until the next attempt), so the count may be over.
  B failed;
  failed.Produce(1, 1).Produce(2, 2);
  failed.Add({.time_ns = 3, .kind = EventKind::kProduce, .topic = "t", .ok = false, .code = 13});
  CHECK(Prop(CheckNatsLimits(failed.Consume(4, {1, 2, 3}, EventKind::kReadAll).h, count)) ==
        "none");
  // A successful publish after it must have evicted again.
  CHECK(Prop(CheckNatsLimits(failed.Produce(4, 5).Consume(6, {1, 2, 3, 4}, EventKind::kReadAll).h,
                             count)) == "nats_limits");
  // nats_bytes_payload_only: counting payload only lets the stream hold more than MaxBytes.
  NatsLimits bytes{.max_msgs = -1,
                   .max_bytes = 90,  // 3 x (30 + 1 + 1)
                   .max_age = {},
                   .slack = {},
                   .size_of = [](const std::string& t, uint64_t p) {
                     return JetStreamStoredBytes(t.size(), 0, p);
                   }};
  CHECK(Prop(CheckNatsLimits(B().Produce(1, 1)
                                 .Produce(2, 2)
                                 .Produce(3, 3)
                                 .Consume(4, {1, 2, 3}, EventKind::kReadAll)
                                 .h,
                             bytes)) == "nats_limits");
  // nats_expire_late: an idle stream keeps expired messages.
  NatsLimits age{.max_msgs = -1,
                 .max_bytes = -1,
                 .max_age = sim::Duration::Seconds(1),
                 .slack = {},
                 .size_of = {}};
  CHECK(Prop(CheckNatsLimits(B().Produce(1, 0).Consume(5'000'000'000, {1}, EventKind::kReadAll).h,
                             age)) == "nats_limits");
}

TEST_CASE("NATS limits fail when a message goes that no limit demanded") {
  NatsLimits count{.max_msgs = 2, .max_bytes = -1, .max_age = {}, .slack = {}, .size_of = {}};
  // Id 2 is gone, but from it on only ids 2 and 3 were ever published: MaxMsgs 2 holds both.
  CHECK(Prop(CheckNatsLimits(
            B().Produce(1, 1).Produce(2, 2).Produce(3, 3).Consume(4, {3}, EventKind::kReadAll).h,
            count)) == "nats_limits");
  // A crash after id 2 may have cut off a publish that stored a message: then three.
  B crashed;
  crashed.Produce(1, 1).Produce(2, 2).Add({.time_ns = 3, .kind = EventKind::kCrash});
  CHECK(Prop(CheckNatsLimits(crashed.Produce(3, 4).Consume(5, {3}, EventKind::kReadAll).h,
                             count)) == "none");
  // A failed publish may have stored its message; one refused as too large did not.
  B failed;
  failed.Produce(1, 1).Produce(2, 2);
  failed.Add({.time_ns = 3, .kind = EventKind::kProduce, .topic = "t", .ok = false, .code = 14});
  CHECK(Prop(CheckNatsLimits(failed.Produce(3, 4).Consume(5, {3}, EventKind::kReadAll).h, count)) ==
        "none");
  B refused;
  refused.Produce(1, 1).Produce(2, 2);
  refused.Add({.time_ns = 3, .kind = EventKind::kProduce, .topic = "t", .ok = false, .code = 3});
  CHECK(Prop(CheckNatsLimits(refused.Produce(3, 4).Consume(5, {3}, EventKind::kReadAll).h,
                             count)) == "nats_limits");
  // A failed DestroyTopic may have deleted part of the stream.
  B destroy;
  destroy.Produce(1, 1).Produce(2, 2);
  destroy.Add({.time_ns = 3, .kind = EventKind::kDestroyTopic, .topic = "t", .ok = false});
  CHECK(Prop(CheckNatsLimits(destroy.Consume(4, {}, EventKind::kReadAll).h, count)) == "none");
  // An unsynced message before a power loss was never promised: durability judges it.
  B power;
  power.Produce(1, 1).Produce(2, 2).Add({.time_ns = 3, .kind = EventKind::kPowerLoss});
  CHECK(Prop(CheckNatsLimits(power.Consume(4, {1}, EventKind::kReadAll).h, count)) == "none");
  // MaxBytes: 3 x 32 stored bytes; id 1 may go only while 1..3 exceed the limit.
  auto bytes = [](int64_t max) {
    return NatsLimits{.max_msgs = -1,
                      .max_bytes = max,
                      .max_age = {},
                      .slack = {},
                      .size_of = [](const std::string& t, uint64_t p) {
                        return JetStreamStoredBytes(t.size(), 0, p);
                      }};
  };
  const History three =
      B().Produce(1, 1).Produce(2, 2).Produce(3, 3).Consume(4, {2, 3}, EventKind::kReadAll).h;
  CHECK(Prop(CheckNatsLimits(three, bytes(96))) == "nats_limits");
  CHECK(Prop(CheckNatsLimits(three, bytes(95))) == "none");
  // MaxAge 1 s: a message published at t=0 may be gone at 1 s, not at 0.5 s.
  NatsLimits age{.max_msgs = -1,
                 .max_bytes = -1,
                 .max_age = sim::Duration::Seconds(1),
                 .slack = {},
                 .size_of = {}};
  CHECK(Prop(CheckNatsLimits(
            B().Produce(1, 0).Produce(2, 1).Consume(500'000'000, {2}, EventKind::kReadAll).h,
            age)) == "nats_limits");
  CHECK(Prop(CheckNatsLimits(
            B().Produce(1, 0).Produce(2, 1).Consume(1'000'000'000, {2}, EventKind::kReadAll).h,
            age)) == "none");
}

TEST_CASE("Page accounting: the store's pages must describe exactly the messages it holds") {
  auto msg = [](MessageId id, size_t bytes) { return Message{id, std::string(bytes, 'x')}; };
  auto history = [&](std::vector<Message> all, backends::StoreAccounting a) {
    History h;
    h.Add(HistoryEvent{
        .time_ns = 1, .kind = EventKind::kReadAll, .topic = "t", .messages = Seen(all)});
    h.Add(HistoryEvent{.time_ns = 1,
                       .kind = EventKind::kAccounting,
                       .topic = "t",
                       .accounting = std::make_shared<const backends::StoreAccounting>(a)});
    return h;
  };
  // RocksMQ's shape: pages, the open page and a first id that is a lower bound.
  auto paged = [](std::vector<backends::PageSpan> pages, uint64_t open, int64_t size,
                  MessageId first) {
    backends::StoreAccounting a;
    a.pages = std::move(pages);
    a.open_bytes = open;
    a.page_size = size;
    a.first_id = first;
    return a;
  };
  auto prop = [](const History& h) {
    const auto v = CheckPageAccounting(h);
    return v ? std::string(Name(v->property)) + ": " + v->detail : std::string();
  };
  // Page size 100: 60+50 closes page 1..2 at 110 bytes; 30 bytes stay open.
  const std::vector<Message> all = {msg(1, 60), msg(2, 50), msg(3, 30)};
  CHECK(prop(history(all, paged({{1, 2, 110}}, 30, 100, 1))).empty());
  // Stores without pages record nothing, so nothing is checked.
  History plain;
  plain.Add(
      HistoryEvent{.time_ns = 1, .kind = EventKind::kReadAll, .topic = "t", .messages = Seen(all)});
  CHECK_FALSE(CheckPageAccounting(plain));
  // The open page misses bytes a crash separated from their messages (page_meta_torn).
  CHECK(prop(history(all, paged({{1, 2, 110}}, 0, 100, 1))).find("open page counts 0 bytes") !=
        std::string::npos);
  // A page counts other bytes than its messages hold.
  CHECK(prop(history(all, paged({{1, 2, 100}}, 30, 100, 1))).find("page 1..2 counts 100 bytes") !=
        std::string::npos);
  // Messages before the first page: no page describes them (meta_before_data's leak).
  CHECK(prop(history({msg(1, 5), msg(4, 60), msg(5, 50)}, paged({{4, 5, 110}}, 0, 100, 1)))
            .find("lie before the first page") != std::string::npos);
  // A page that should have closed earlier (its bytes before the last message exceed the size).
  CHECK(prop(history({msg(1, 60), msg(2, 50), msg(3, 30)}, paged({{1, 3, 140}}, 0, 100, 1)))
            .find("did not close") != std::string::npos);
  // Pages must follow each other.
  CHECK(prop(history({msg(1, 110), msg(3, 110)}, paged({{1, 1, 110}, {3, 3, 110}}, 0, 100, 1)))
            .find("does not follow") != std::string::npos);
  // The open page over the page size.
  CHECK(prop(history({msg(1, 40), msg(2, 40), msg(3, 40)}, paged({}, 120, 100, 1)))
            .find("over the page size") != std::string::npos);
}

}  // namespace
TEST_CASE("Store accounting: the first id, the counts, an empty stream's first sequence") {
  // A read-all of `ids` with the store's account of it, after the events of `b`.
  auto judged = [](B b, std::vector<MessageId> ids, backends::StoreAccounting a,
                   AccountingOptions o = {}) {
    b.Consume(100, ids, EventKind::kReadAll);
    b.Add({.time_ns = 100,
           .kind = EventKind::kAccounting,
           .topic = "t",
           .accounting = std::make_shared<const backends::StoreAccounting>(a)});
    const auto v = CheckPageAccounting(b.h, o);
    return v ? std::string(Name(v->property)) + ": " + v->detail : std::string();
  };
  auto lower_bound = [](MessageId first) {
    backends::StoreAccounting a;
    a.first_id = first;
    return a;
  };
  const B four = B().Produce(1, 1).Produce(2, 2).Produce(3, 3).Produce(4, 4);
  // A lower bound (RocksMQ): at or below the first message held, above what was deleted.
  CHECK(judged(four, {3, 4}, lower_bound(3)).empty());
  CHECK(judged(four, {3, 4}, lower_bound(2)).find("at or below message 2") != std::string::npos);
  CHECK(judged(four, {3, 4}, lower_bound(4)).find("past message 3") != std::string::npos);
  CHECK(judged(four, {3, 4}, lower_bound(-1)).find("past message 3") != std::string::npos);
  CHECK(judged(four, {}, lower_bound(-1)).empty());
  CHECK(judged(four, {}, lower_bound(5)).empty());
  CHECK(judged(four, {}, lower_bound(4)).find("at or below message 4") != std::string::npos);
  // What a power loss may have taken was never promised: the first id may lie below it.
  B lost = four;
  lost.Add({.time_ns = 5, .kind = EventKind::kPowerLoss});
  CHECK(judged(lost, {}, lower_bound(1)).empty());

  // Exact (natsmq's FirstSeq) with JetStream's counts.
  AccountingOptions jet{.stored_bytes = [](const std::string& t, uint64_t p) {
    return JetStreamStoredBytes(t.size(), 0, p);
  }};
  auto exact = [](MessageId first, uint64_t msgs, uint64_t bytes) {
    backends::StoreAccounting a;
    a.first_id = first;
    a.first_exact = true;
    a.messages = msgs;
    a.bytes = bytes;
    return a;
  };
  const uint64_t each = JetStreamStoredBytes(1, 0, 1);  // topic "t", payload "x"
  CHECK(judged(four, {3, 4}, exact(3, 2, 2 * each), jet).empty());
  CHECK(judged(four, {3, 4}, exact(2, 2, 2 * each), jet)
            .find("first message is 2; the first it "
                  "holds is 3") != std::string::npos);
  CHECK(judged(four, {3, 4}, exact(3, 3, 2 * each), jet).find("counts 3 message(s); it holds 2") !=
        std::string::npos);
  CHECK(judged(four, {3, 4}, exact(3, 2, 2 * each + 1), jet).find("bytes; its messages take") !=
        std::string::npos);
  CHECK(judged(four, {3, 4}, exact(3, 2, 2 * each + 1)).empty());  // bytes not judged
  // An empty stream: FirstSeq 0 until anything is written, then above every acknowledged id.
  auto empty = [](MessageId first_seq) {
    backends::StoreAccounting a;
    a.first_exact = true;
    a.messages = 0;
    a.bytes = 0;
    a.empty_first = first_seq;
    return a;
  };
  CHECK(judged(B(), {}, empty(0), jet).empty());
  CHECK(judged(B(), {}, empty(1), jet).find("nothing was ever written") != std::string::npos);
  B purged = four;
  purged.Add({.time_ns = 5, .kind = EventKind::kPurge, .topic = "t"});
  CHECK(judged(purged, {}, empty(5), jet).empty());
  CHECK(judged(purged, {}, empty(4), jet).find("not above message 4") != std::string::npos);
  CHECK(judged(purged, {}, empty(0), jet).find("not above message 4") != std::string::npos);
  B failed;  // a produce that failed may have taken a sequence: any answer but below 0
  failed.Add({.time_ns = 1, .kind = EventKind::kProduce, .topic = "t", .ok = false});
  CHECK(judged(failed, {}, empty(0), jet).empty());
  CHECK(judged(failed, {}, empty(2), jet).empty());
}

}  // namespace mqsim::properties
