// The Milvus data path over real engines: S1 (after a completed FlushAll, a switch of
// mq.type loses no acknowledged row), S2 (a switch without FlushAll is caught as data
// loss), S3 (the flusher refuses a checkpoint written by another engine unless
// mq.ignoreBadPosition), and the same seed giving the same trace.
#include "properties/milvus_data_path.h"

#include <catch2/catch.hpp>

#include "sim/determinism.h"
#include "sim/rocksdb_interpose.h"

namespace mqsim::properties {
namespace {

using backends::MqType;
using backends::SimStore;

struct World {
  explicit World(uint64_t seed, sim::Trace* trace = nullptr)
      : sim((sim::ResetRocksDbInternals(seed), seed), trace),
        path(&sim, DataPathOptions{}, &history) {}

  std::unique_ptr<SimStore> MakeStore(MqType type, sim::ProcessId process) {
    backends::SimStoreOptions o;
    o.type = type;
    o.process = process;
    o.dir = "/data/" + std::string(backends::ToString(type));
    return std::make_unique<SimStore>(&sim, o);
  }
  // Runs until FlushAll(ts) completes; false if it did not within a simulated minute.
  bool WaitFlush(int64_t ts) {
    for (int i = 0; i < 60 && !path.FlushAllComplete(ts); ++i)
      sim.scheduler().RunFor(sim::Duration::Seconds(1));
    return path.FlushAllComplete(ts);
  }

  sim::Simulation sim;
  History history;
  MilvusDataPath path;
};

struct Switch {
  MqType from;
  MqType to;
};

// Operator procedure: stop writes, FlushAll, wait, switch; then write on the new store.
std::optional<Violation> SwitchRun(uint64_t seed, Switch sw, bool flush_first,
                                   sim::Trace* trace = nullptr,
                                   std::vector<std::string>* warnings = nullptr) {
  World w(seed, trace);
  std::unique_ptr<SimStore> a = w.MakeStore(sw.from, 1);
  std::unique_ptr<SimStore> b = w.MakeStore(sw.to, 2);
  REQUIRE(w.path.Start(a.get(), /*ignore_bad_position=*/true).ok());
  w.sim.scheduler().RunFor(sim::Duration::Seconds(45));
  w.path.StopWrites();
  if (flush_first) REQUIRE(w.WaitFlush(w.path.FlushAll()));
  const sim::Time switch_time = w.sim.now();
  REQUIRE(w.path.SwitchTo(b.get(), /*ignore_bad_position=*/true).ok());
  w.sim.scheduler().RunFor(sim::Duration::Seconds(20));
  w.path.StopWrites();
  REQUIRE(w.WaitFlush(w.path.FlushAll()));
  CHECK(w.path.acked_rows().size() > 500);
  CHECK(w.path.segments_written() > 2);
  if (warnings != nullptr) *warnings = w.path.warnings();
  if (auto v = CheckFlushBeforeSwitch(w.path, switch_time)) return v;
  if (auto v = CheckFlushBeforeSwitch(w.path, w.sim.now())) return v;  // and after it
  w.path.Stop();
  return CheckOrdering(w.history);
}

TEST_CASE("S1: after a completed FlushAll a switch of mq.type loses no acknowledged row") {
  const Switch sw =
      GENERATE(Switch{MqType::kRocksMq, MqType::kNatsMq}, Switch{MqType::kNatsMq, MqType::kRocksMq},
               Switch{MqType::kRocksMq, MqType::kPulsar}, Switch{MqType::kKafka, MqType::kRocksMq});
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    INFO(backends::ToString(sw.from) << " -> " << backends::ToString(sw.to) << " seed " << seed);
    std::vector<std::string> warnings;
    const std::optional<Violation> v =
        SwitchRun(seed, sw, /*flush_first=*/true, nullptr, &warnings);
    INFO((v ? std::string(Name(v->property)) + ": " + v->detail : std::string()));
    CHECK_FALSE(v);
    // The old checkpoints were foreign: replaced by latest, with a warning per channel.
    CHECK(warnings.size() == 2);
  }
}

TEST_CASE("S2: a switch without FlushAll is caught as data loss") {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const std::optional<Violation> v =
        SwitchRun(seed, Switch{MqType::kRocksMq, MqType::kNatsMq}, /*flush_first=*/false);
    REQUIRE(v);
    CHECK(v->property == Property::kFlushBeforeSwitch);
    CHECK(v->detail.find("acknowledged rows are neither in a segment") != std::string::npos);
  }
}

TEST_CASE("S3: the flusher refuses a position written by another engine") {
  World w(4);
  std::unique_ptr<SimStore> a = w.MakeStore(MqType::kRocksMq, 1);
  std::unique_ptr<SimStore> b = w.MakeStore(MqType::kNatsMq, 2);
  REQUIRE(w.path.Start(a.get(), false).ok());
  w.sim.scheduler().RunFor(sim::Duration::Seconds(15));  // a periodic flush checkpoints
  w.path.StopWrites();
  REQUIRE(w.WaitFlush(w.path.FlushAll()));
  const absl::Status s = w.path.SwitchTo(b.get(), /*ignore_bad_position=*/false);
  CHECK(absl::IsFailedPrecondition(s));
  CHECK(std::string(s.message()).find("flusher cannot resume channel by-dev-rootcoord-dml_0") !=
        std::string::npos);
  CHECK(std::string(s.message()).find("written by rocksmq and cannot be read by natsmq") !=
        std::string::npos);
  CHECK(w.path.warnings().empty());
}

TEST_CASE("The data path with a switch replays identically from its seed") {
  const sim::DeterminismReport r = sim::CheckDeterminism([](sim::Trace& t) {
    (void)SwitchRun(9, Switch{MqType::kRocksMq, MqType::kNatsMq}, true, &t);
  });
  INFO(r.ToString());
  CHECK(r.deterministic);
}

}  // namespace
}  // namespace mqsim::properties
