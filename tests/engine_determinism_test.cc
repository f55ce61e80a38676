// Both engines inside the simulation, run twice with the same seed: the traces (every
// scheduler step, every disk operation with its bytes, every random draw) must be
// identical step for step; different seeds must differ. The hashes of seeds 1..3 are pinned
// in tests/engine_determinism_hashes.txt, the refactoring guard of the engines and the
// simulator beneath the scenarios (scenarios/golden_hashes.txt is the scenarios' own).
// Re-record, in a commit of its own that says why (the file stays, cut to its header line:
// the test target needs it as data):
//     sed -i 2,\$d tests/engine_determinism_hashes.txt && MQSIM_RECORD=1 bazel run
//     //tests:engine_determinism_test
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

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

constexpr const char* kHashesPath = "tests/engine_determinism_hashes.txt";

// "engine seed" -> "HASH STEPS", from the checked-in file.
std::map<std::string, std::string> ReadPinned() {
  std::map<std::string, std::string> pinned;
  std::ifstream in(kHashesPath);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string engine, seed, hash, steps;
    if (line.empty() || line[0] == '#' || !(words >> engine >> seed >> hash >> steps)) continue;
    pinned[engine + " " + seed] = hash + " " + steps;
  }
  return pinned;
}

bool Recording() {
  const char* r = std::getenv("MQSIM_RECORD");
  return r != nullptr && std::string(r) == "1";
}

// Appends "engine seed HASH STEPS" to the file in the source tree (bazel run).
void Record(const std::string& line) {
  const char* root = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  REQUIRE(root != nullptr);
  const std::string path = std::string(root) + "/" + kHashesPath;
  const bool fresh = !std::ifstream(path).good();
  std::ofstream out(path, std::ios::app);
  if (fresh) out << "# Trace hashes of tests/engine_determinism_test.cc: engine seed hash steps.\n";
  out << line << "\n";
}

std::string Hex(uint64_t v) {
  std::ostringstream out;
  out << std::hex;
  out.width(16);
  out.fill('0');
  out << v;
  return out.str();
}

void CheckEngine(const char* engine, void (*world)(uint64_t, sim::Trace&)) {
  const std::map<std::string, std::string> pinned = ReadPinned();
  for (uint64_t seed : {1, 2, 3}) {
    const sim::DeterminismReport r = sim::CheckDeterminism([&](sim::Trace& t) { world(seed, t); });
    INFO(r.ToString());
    CHECK(r.deterministic);
    CHECK(r.steps_a > 500);  // every disk operation, job run and scheduler step
    sim::Trace t;
    world(seed, t);
    const std::string key = std::string(engine) + " " + std::to_string(seed);
    const std::string got = Hex(t.hash()) + " " + std::to_string(t.steps());
    if (Recording()) {
      Record(key + " " + got);
      continue;
    }
    INFO(key << ": hash and steps " << got << ", pinned "
             << (pinned.count(key) ? pinned.at(key) : "nothing") << " in " << kHashesPath);
    CHECK(pinned.count(key) == 1);
    if (pinned.count(key) == 1) CHECK(pinned.at(key) == got);
  }
  sim::Trace a, b;
  world(1, a);
  world(2, b);
  CHECK(a.hash() != b.hash());
}

}  // namespace

TEST_CASE("RocksMQ in the simulation: same seed, same trace") {
  CheckEngine("rocksmq", RocksMqWorld);
}

TEST_CASE("natsmq in the simulation: same seed, same trace") { CheckEngine("natsmq", NatsWorld); }

}  // namespace mqsim
