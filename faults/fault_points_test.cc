// The seed-driven fault sources: libfiu points (FaultPoints), BUGGIFY (Buggify) and the GOGC
// pause model (GoGc). Each is deterministic per seed and off when not installed; every
// point of failure of both engines is reached by a workload that uses the whole API, fails
// there at least once, and the engine survives it (it reopens and keeps its ids).
#include "faults/fault_points.h"

#include <fiu.h>

#include <catch2/catch.hpp>
#include <set>

#include "base/buggify.h"
#include "faults/buggify.h"
#include "faults/go_gc.h"
#include "sim/rocksdb_interpose.h"
#include "sim/sim_rocksdb.h"
#include "storage/natsmq/fault_points.h"
#include "storage/natsmq/nats_store.h"
#include "storage/rocksmq/fault_points.h"
#include "storage/rocksmq/rocksmq.h"
#include "tests/engine_world.h"

namespace mqsim::faults {
namespace {

using testing::EngineWorld;

TEST_CASE("Fault point patterns select known points") {
  CHECK(FaultPoints::Match("rocksmq/*").size() == std::size(rocksmq::points::kAll));
  CHECK(FaultPoints::Match("natsmq/*").size() == std::size(natsmq::points::kAll));
  CHECK(FaultPoints::Match("natsmq/index/write") == std::vector<std::string>{"natsmq/index/write"});
  CHECK(FaultPoints::Match("natsmq/index").empty());
  CHECK(FaultPoints::Match("*").size() == KnownFaultPoints().size());
}

std::vector<int> Failures(uint64_t seed, double p) {
  sim::Trace trace;
  FaultPoints points(sim::Random(seed), &trace, {"natsmq/index/write"}, p);
  std::vector<int> out;
  for (int i = 0; i < 2000; ++i) out.push_back(fiu_fail("natsmq/index/write"));
  CHECK(points.stats().at("natsmq/index/write").evaluations == 2000);
  return out;
}

TEST_CASE("Fault points fail as the seed decides, and only while armed") {
  const std::vector<int> a = Failures(5, 0.1);
  CHECK(a == Failures(5, 0.1));
  CHECK(a != Failures(6, 0.1));
  const int n = static_cast<int>(std::count(a.begin(), a.end(), 1));
  CHECK(n > 120);
  CHECK(n < 280);
  CHECK(fiu_fail("natsmq/index/write") == 0);  // disabled with its controller
  CHECK(fiu_fail("rocksmq/produce/before-write") == 0);
  {
    sim::Trace trace;
    FaultPoints points(sim::Random(1), &trace, {"rocksmq/*"}, 1.0);
    CHECK(fiu_fail("rocksmq/produce/before-write") == 1);
    CHECK(fiu_fail("natsmq/index/write") == 0);
    points.set_paused(true);
    CHECK(fiu_fail("rocksmq/produce/before-write") == 0);
  }
}

std::map<std::string, Buggify::Site> BuggifyRun(uint64_t seed) {
  sim::Trace trace;
  Buggify b(sim::Random(seed), &trace);
  for (int i = 0; i < 400; ++i) {
    for (const char* site : {"a", "b", "c", "d", "e", "f", "g", "h"}) (void)MQSIM_BUGGIFY(site);
  }
  return b.sites();
}

TEST_CASE("BUGGIFY: sites switched on per run by the seed, firing by the seed, off by default") {
  CHECK_FALSE(MQSIM_BUGGIFY("a"));
  int enabled_total = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const auto sites = BuggifyRun(seed);
    const auto again = BuggifyRun(seed);
    for (const auto& [name, site] : sites) {
      CHECK(site.reached == 400);
      CHECK(site.enabled == again.at(name).enabled);
      CHECK(site.fired == again.at(name).fired);
      if (!site.enabled) CHECK(site.fired == 0);
      if (site.enabled) {
        ++enabled_total;
        CHECK(site.fired > 60);  // 1/4 of 400
        CHECK(site.fired < 140);
      }
    }
  }
  // 160 sites, each on with probability 1/4.
  CHECK(enabled_total > 25);
  CHECK(enabled_total < 60);
  CHECK_FALSE(MQSIM_BUGGIFY("a"));
}

TEST_CASE("GOGC model: collections follow allocation and GOGC, with a forced cycle") {
  auto cycles = [](int gogc) {
    sim::Random rng(3);
    GoGcOptions o;
    o.gogc = gogc;
    GoGc gc(o, &rng);
    sim::Duration paused;
    for (int i = 0; i < 100 * 1024; ++i) {
      if (auto p = gc.Allocate(4096, sim::Time() + sim::Duration::Millis(i))) {
        paused += *p;
        CHECK(*p <= o.pause_max);
        CHECK(*p >= o.pause_base);
      }
    }
    return gc.cycles();
  };
  // 400 MiB allocated against live heaps of 4..32 MiB.
  const uint64_t c100 = cycles(100);
  CHECK(c100 >= 400 / 32);
  CHECK(c100 <= 400 / 4);
  CHECK(cycles(50) > c100);
  CHECK(cycles(200) < c100);

  sim::Random rng(1);
  GoGc gc(GoGcOptions{}, &rng);
  CHECK_FALSE(gc.Forced(sim::Time() + sim::Duration::Minutes(1)));
  CHECK(gc.Forced(sim::Time() + sim::Duration::Minutes(2)));
  CHECK(gc.next_forced() == sim::Time() + sim::Duration::Minutes(4));
}

// Drives one engine through its whole API with every one of its points armed, until each
// point has failed at least a few times; then the faults stop and the engine must reopen
// and keep going with ids above everything it handed out.
template <typename Engine>
void CoverEngine(const char* pattern, size_t expected_points, Engine& engine) {
  sim::ResetRocksDbInternals(11);
  sim::Trace trace;
  auto world = EngineWorld::Make(EngineWorld::Kind::kSimulated, 11, &trace);
  std::set<int64_t> ids;
  {
    FaultPoints points(sim::Random(11), &trace, {pattern}, 0.15);
    REQUIRE(points.enabled().size() == expected_points);
    for (int round = 0; round < 400; ++round) {
      engine.Round(*world, round, &ids);
      bool all = true;
      for (const auto& [name, st] : points.stats()) all = all && st.failures >= 2;
      if (all && round >= 20) break;
    }
    for (const auto& [name, st] : points.stats()) {
      INFO(name << ": " << st.evaluations << " evaluations, " << st.failures << " failures");
      CHECK(st.failures >= 2);
    }
  }
  const int64_t next = engine.Reopen(*world);
  engine.Drop();  // before the world it lives in
  REQUIRE(next > 0);
  CHECK(next > *ids.rbegin());
}

struct RocksMqCover {
  std::unique_ptr<rocksmq::RocksMQ> mq;
  rocksmq::RocksMqOptions options;

  RocksMqCover() {
    options.page_size_bytes = 4 << 10;
    options.retention_time_minutes = 1;
    options.retention_size_mb = 0;
  }
  bool Open(EngineWorld& w) {
    options.path = w.Dir() + "/rmq";
    mq.reset();
    auto opened = rocksmq::RocksMQ::Open(options, w.RocksMqHost());
    if (!opened.ok()) return false;
    mq = std::move(*opened);
    return true;
  }
  void Round(EngineWorld& w, int round, std::set<int64_t>* ids) {
    if (!mq || round % 25 == 24) {  // recovery
      mq.reset();
      if (!Open(w)) return;
    }
    (void)mq->CreateTopic("t");
    (void)mq->CreateConsumerGroup("t", "g");
    for (int i = 0; i < 8; ++i) {
      auto got =
          mq->Produce("t", std::vector<std::string>{std::string(700, 'x'), std::string(900, 'y')});
      if (got.ok()) ids->insert(got->begin(), got->end());
    }
    (void)mq->Consume("t", "g", 20);
    w.Advance(sim::Duration::Seconds(45));
    (void)mq->RunRetention();
    (void)mq->Compact();
    if (round % 5 == 4) {
      (void)mq->CreateTopic("scratch");
      (void)mq->Produce("scratch", std::vector<std::string>{"s"});
      (void)mq->DestroyTopic("scratch");
    }
  }
  void Drop() { mq.reset(); }
  int64_t Reopen(EngineWorld& w) {
    if (!Open(w)) return -1;
    REQUIRE(mq->CreateTopic("t").ok());
    auto id = mq->Produce("t", std::vector<std::string>{"after"});
    REQUIRE(id.ok());
    return id->front();
  }
};

struct NatsCover {
  std::unique_ptr<natsmq::NatsStore> store;
  natsmq::NatsMqOptions options;

  bool Open(EngineWorld& w) {
    options.store_dir = w.Dir() + "/nats";
    options.block_size_bytes = 8 << 10;
    store.reset();
    auto opened =
        natsmq::NatsStore::Open(options, natsmq::NatsHost{w.FileSystem(), w.Clock(), w.Waker()});
    if (!opened.ok()) return false;
    store = std::move(*opened);
    return true;
  }
  void Round(EngineWorld& w, int round, std::set<int64_t>* ids) {
    if (!store || round % 25 == 24) {
      store.reset();
      if (!Open(w)) return;
    }
    natsmq::StreamConfig c;
    c.name = "t";
    c.max_msgs = 40;
    (void)store->AddStream(c);
    natsmq::ConsumerConfig cc;
    cc.durable_name = "g";
    (void)store->AddConsumer("t", cc);
    for (int i = 0; i < 12; ++i) {
      auto seq = store->Publish("t", std::string(600, 'x'));
      if (seq.ok()) ids->insert(static_cast<int64_t>(*seq));
    }
    auto got = store->Fetch("t", "g", 10);
    if (got.ok() && !got->empty()) (void)store->Ack("t", "g", got->back().seq);
    (void)store->SyncNow();
    w.Advance(sim::Duration::Seconds(1));
  }
  void Drop() { store.reset(); }
  int64_t Reopen(EngineWorld& w) {
    if (!Open(w)) return -1;
    auto seq = store->Publish("t", "after");
    REQUIRE(seq.ok());
    return static_cast<int64_t>(*seq);
  }
};

TEST_CASE("Every rocksmq fault point is reached and survived") {
  RocksMqCover engine;
  CoverEngine("rocksmq/*", std::size(rocksmq::points::kAll), engine);
}

// One RocksMQ on a simulated node, for the regression tests below. Members go in reverse:
// the engine closes before its world.
struct RocksMqOnSimNode {
  RocksMqOnSimNode(uint64_t seed, int64_t page_size_bytes)
      : world((sim::ResetRocksDbInternals(seed),
               EngineWorld::Make(EngineWorld::Kind::kSimulated, seed, &trace))) {
    rocksmq::RocksMqOptions o;
    if (page_size_bytes > 0) o.page_size_bytes = page_size_bytes;
    o.path = world->Dir() + "/rmq";
    mq = *rocksmq::RocksMQ::Open(o, world->RocksMqHost());
  }
  sim::Trace trace;
  std::unique_ptr<EngineWorld> world;
  std::unique_ptr<rocksmq::RocksMQ> mq;
};

// A failed ack write while the engine reopens its databases must not cost any topic its
// consumer groups: groups are only in memory, and the reopen is what restores them.
TEST_CASE("A failed ack write during a reopen keeps every topic's consumer groups") {
  RocksMqOnSimNode node(12, 10);  // a page every three 4-byte messages
  auto& [trace, world, mq] = node;
  for (const char* topic : {"a", "b"}) {
    REQUIRE(mq->CreateTopic(topic).ok());
    REQUIRE(mq->CreateConsumerGroup(topic, "g").ok());
    for (int i = 0; i < 6; ++i) REQUIRE(mq->Produce(topic, std::vector<std::string>{"1234"}).ok());
  }
  {
    sim::Trace points_trace;
    FaultPoints points(sim::Random(1), &points_trace, {"rocksmq/ack/before-write"}, 1.0);
    REQUIRE(mq->Consume("a", "g", 4).ok());  // delivered; the page ack fails, reopen pending
    world->Advance(sim::Duration::Seconds(1));
    // The reopen acks a's first page again, and that write fails too.
    CHECK(absl::IsUnavailable(mq->Consume("b", "g", 1).status()));
  }
  for (int attempt = 0; attempt < 10 && !mq->Consume("b", "g", 1).ok(); ++attempt) {
    world->Advance(sim::Duration::Seconds(20));
  }
  world->Advance(sim::Duration::Seconds(20));
  for (const char* topic : {"a", "b"}) {
    const absl::StatusOr<std::vector<rocksmq::ConsumerMessage>> got = mq->Consume(topic, "g", 10);
    INFO(topic << ": " << got.status().ToString());
    CHECK(got.ok());
  }
}

// A seek has happened once the position moved: a failed ack write after it is bookkeeping
// the reopen redoes, and reporting it as the seek's failure would tell the caller the
// position is where it was.
TEST_CASE("A failed ack write after a seek to latest does not fail the seek") {
  RocksMqOnSimNode node(13, 10);  // a page every three 4-byte messages
  auto& [trace, world, mq] = node;
  REQUIRE(mq->CreateTopic("a").ok());
  REQUIRE(mq->CreateConsumerGroup("a", "g").ok());
  for (int i = 0; i < 6; ++i) REQUIRE(mq->Produce("a", std::vector<std::string>{"1234"}).ok());
  {
    sim::Trace points_trace;
    FaultPoints points(sim::Random(1), &points_trace, {"rocksmq/ack/before-write"}, 1.0);
    CHECK(mq->SeekToLatest("a", "g").ok());  // passes both pages: their ack write fails
  }
  world->Advance(sim::Duration::Seconds(20));  // the reopen
  REQUIRE(mq->Produce("a", std::vector<std::string>{"5678"}).ok());
  const absl::StatusOr<std::vector<rocksmq::ConsumerMessage>> got = mq->Consume("a", "g", 10);
  REQUIRE(got.ok());
  REQUIRE(got->size() == 1);
  CHECK((*got)[0].payload == "5678");
}

// A create that registered the topic but failed to load it must not leave the engine
// serving without a topic its registry holds: the reopen that follows loads it.
TEST_CASE("A topic whose load failed during create exists after the reopen") {
  RocksMqOnSimNode node(14, 0);  // default page size
  auto& [trace, world, mq] = node;
  {
    sim::Trace points_trace;
    FaultPoints points(sim::Random(1), &points_trace, {"rocksmq/recovery/load-topic"}, 1.0);
    CHECK(absl::IsUnavailable(mq->CreateTopic("t")));
  }
  world->Advance(sim::Duration::Seconds(20));
  absl::Status produced = absl::UnknownError("not tried");
  for (int attempt = 0; attempt < 10 && !produced.ok(); ++attempt) {
    produced = mq->Produce("t", std::vector<std::string>{"1234"}).status();
    if (!produced.ok()) world->Advance(sim::Duration::Seconds(20));
  }
  INFO(produced.ToString());
  CHECK(produced.ok());
}

// Under sync-always a publish syncs after writing its record, and that sync also saves
// dirty consumers. When the save failed, the publish used to fail with its record already
// written but unknown to memory: the next publish wrote the same sequence again, and
// recovery counted both records' bytes, so MaxBytes evicted messages early ever after.
TEST_CASE("A failed sync after a publish's record leaves the stream's accounting exact") {
  sim::Trace trace;
  std::unique_ptr<EngineWorld> world = EngineWorld::Make(EngineWorld::Kind::kSimulated, 15, &trace);
  natsmq::NatsMqOptions o;
  o.store_dir = world->Dir() + "/nats";
  o.sync_always = true;
  const natsmq::NatsHost host{world->FileSystem(), world->Clock(), world->Waker()};
  std::unique_ptr<natsmq::NatsStore> store = *natsmq::NatsStore::Open(o, host);
  REQUIRE(store->AddStream(natsmq::StreamConfig{.name = "t"}).ok());
  REQUIRE(store->AddConsumer("t", natsmq::ConsumerConfig{.durable_name = "g"}).ok());
  REQUIRE(store->Publish("t", "first").ok());
  REQUIRE(store->Fetch("t", "g", 1).ok());
  {
    sim::Trace points_trace;
    FaultPoints points(sim::Random(1), &points_trace, {"natsmq/consumer/save"}, 1.0);
    CHECK_FALSE(store->Ack("t", "g", 1).ok());  // the consumer stays dirty
    CHECK_FALSE(store->Publish("t", "second, its ack lost").ok());
  }
  REQUIRE(store->Publish("t", "third").ok());
  store.reset();
  store = *natsmq::NatsStore::Open(o, host);
  const natsmq::StreamState st = *store->GetStreamState("t");
  uint64_t bytes = 0;
  for (uint64_t seq = st.first_seq; seq <= st.last_seq; ++seq) {
    const absl::StatusOr<natsmq::StoredMsg> m = store->GetMsg("t", seq);
    if (m.ok()) bytes += 30 + m->subject.size() + m->payload.size();
  }
  CHECK(st.msgs == 3);
  CHECK(st.bytes == bytes);
}

TEST_CASE("Every natsmq fault point is reached and survived") {
  NatsCover engine;
  CoverEngine("natsmq/*", std::size(natsmq::points::kAll), engine);
}

}  // namespace
}  // namespace mqsim::faults
