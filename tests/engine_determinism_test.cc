// Both engines inside the simulation, run twice with the same seed: the traces (every
// scheduler step, every disk operation with its bytes, every random draw) must be
// identical step for step; different seeds must differ.
#include <catch2/catch.hpp>

#include "sim/determinism.h"
#include "sim/random.h"
#include "storage/natsmq/nats_store.h"
#include "storage/rocksmq/rocksmq.h"
#include "tests/engine_world.h"

namespace mqsim {

namespace {

using testing::EngineWorld;

// A seeded mixed workload on RocksMQ with retention and compaction jobs running.
void RocksMqWorld(uint64_t seed, sim::Trace& trace) {
  auto world = EngineWorld::Make(EngineWorld::Kind::kSimulated, seed, &trace);
  rocksmq::RocksMqOptions o;
  o.path = world->Dir() + "/rdb";
  o.page_size_bytes = 4096;
  o.retention_time_minutes = 1;
  o.retention_size_mb = -1;
  o.ticker_interval_s = 10;
  o.compaction_interval_s = 60;
  auto mq = std::move(*rocksmq::RocksMQ::Open(o, world->RocksMqHost()));
  world->StartJobs(mq->PeriodicJobs());
  sim::Random rng = sim::Random(seed).Stream("workload");
  REQUIRE(mq->CreateTopic("t").ok());
  REQUIRE(mq->CreateConsumerGroup("t", "g").ok());
  for (int step = 0; step < 400; ++step) {
    std::vector<std::string> batch(static_cast<size_t>(rng.Uniform(1, 8)),
                                   std::string(static_cast<size_t>(rng.Uniform(0, 2000)), 'p'));
    REQUIRE(mq->Produce("t", batch).ok());
    if (rng.Chance(0.5)) REQUIRE(mq->Consume("t", "g", static_cast<int>(rng.Uniform(1, 10))).ok());
    world->Advance(sim::Duration::Millis(rng.Uniform(1, 2000)));
  }
  world->StopJobs();
  REQUIRE(mq->Close().ok());
}

// The same for the NATS store, with expiry deadlines and the sync interval running.
void NatsWorld(uint64_t seed, sim::Trace& trace) {
  auto world = EngineWorld::Make(EngineWorld::Kind::kSimulated, seed, &trace);
  natsmq::NatsMqOptions o;
  o.store_dir = world->Dir() + "/nats";
  o.sync_interval_ms = 5000;
  o.block_size_bytes = 16 << 10;
  auto store = std::move(*natsmq::NatsStore::Open(
      o, natsmq::NatsHost{world->FileSystem(), world->Clock(), world->Waker()}));
  world->StartJobs(store->PeriodicJobs());
  sim::Random rng = sim::Random(seed).Stream("workload");
  natsmq::StreamConfig c;
  c.name = "t";
  c.max_age_ns = 30'000'000'000;
  c.max_msgs = 300;
  REQUIRE(store->AddStream(c).ok());
  REQUIRE(store->AddConsumer("t", {"d", 1}).ok());
  for (int step = 0; step < 400; ++step) {
    REQUIRE(store->Publish("t", std::string(static_cast<size_t>(rng.Uniform(0, 2000)), 'n')).ok());
    if (rng.Chance(0.3)) {
      auto got = store->Fetch("t", "d", static_cast<int>(rng.Uniform(1, 10)));
      REQUIRE(got.ok());
      if (!got->empty()) REQUIRE(store->Ack("t", "d", got->back().seq).ok());
    }
    world->Advance(sim::Duration::Millis(rng.Uniform(1, 400)));
  }
  world->StopJobs();
  REQUIRE(store->Close().ok());
}

void CheckEngine(void (*world)(uint64_t, sim::Trace&)) {
  for (uint64_t seed : {1, 2, 3}) {
    const sim::DeterminismReport r = sim::CheckDeterminism([&](sim::Trace& t) { world(seed, t); });
    INFO(r.ToString());
    CHECK(r.deterministic);
    CHECK(r.steps_a > 500);  // every disk operation, job run and scheduler step
  }
  sim::Trace a, b;
  world(1, a);
  world(2, b);
  CHECK(a.hash() != b.hash());
}

}  // namespace

TEST_CASE("RocksMQ in the simulation: same seed, same trace") { CheckEngine(RocksMqWorld); }

TEST_CASE("natsmq in the simulation: same seed, same trace") { CheckEngine(NatsWorld); }

}  // namespace mqsim
