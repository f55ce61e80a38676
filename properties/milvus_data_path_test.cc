// The Milvus data path over real engines: S1 (after a completed FlushAll, a switch of
// mq.type loses no acknowledged row; crashes and power losses lose none that was promised
// and flush none twice), S2 (a switch without FlushAll is caught as data loss), S3 (the
// flusher refuses a checkpoint written by another engine unless mq.ignoreBadPosition), the
// planted data-node mistakes caught, and the same seed giving the same trace.
#include "properties/milvus_data_path.h"

#include <catch2/catch.hpp>

#include "base/bug_modes.h"
#include "properties/milvus_checks.h"
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

  std::unique_ptr<SimStore> MakeStore(MqType type, sim::ProcessId process, bool sync = false) {
    backends::SimStoreOptions o;
    o.type = type;
    o.config.rocksmq.produce_sync = sync;
    o.config.natsmq.sync_always = sync;
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
  REQUIRE(w.path.SwitchTo(b.get(), /*ignore_bad_position=*/true).ok());
  w.sim.scheduler().RunFor(sim::Duration::Seconds(20));
  w.path.StopWrites();
  REQUIRE(w.WaitFlush(w.path.FlushAll()));
  CHECK(w.path.acked_rows().size() > 500);
  CHECK(w.path.segments_written() > 2);
  if (warnings != nullptr) *warnings = w.path.warnings();
  const absl::StatusOr<RowAudit> audit = AuditRows(w.path, w.history);
  REQUIRE(audit.ok());
  if (auto v = CheckFlushBeforeSwitch(*audit)) return v;
  if (auto v = CheckFlushedRows(w.path, *audit)) return v;
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

struct CrashRun {
  MqType type = MqType::kRocksMq;
  bool power_loss = false;
  bool sync = false;
};

struct CrashOutcome {
  std::optional<Violation> violation;
  size_t acked = 0;
  size_t in_segments = 0;
};

// Six crashes (or power losses) of the node at seeded moments, each followed by a restart
// two seconds later; then a FlushAll that must complete.
CrashOutcome CrashCycles(uint64_t seed, CrashRun run) {
  World w(seed);
  std::unique_ptr<SimStore> store = w.MakeStore(run.type, 1, run.sync);
  REQUIRE(w.path.Start(store.get(), false).ok());
  sim::Random rng(seed * 7919);
  for (int i = 0; i < 6; ++i) {
    w.sim.scheduler().RunFor(sim::Duration::Millis(rng.Uniform(3000, 25000)));
    const auto mode = run.power_loss ? std::optional(sim::PowerLossMode::kDropUnsynced)
                                     : std::optional<sim::PowerLossMode>();
    store->Crash(mode);
    w.path.Crashed();
    w.history.Add(HistoryEvent{.time_ns = w.sim.now().nanos(), .kind = EventKind::kCrash});
    if (mode) {
      w.history.Add(HistoryEvent{.time_ns = w.sim.now().nanos(), .kind = EventKind::kPowerLoss});
    }
    w.sim.scheduler().RunFor(sim::Duration::Seconds(2));
    REQUIRE(w.path.Start(store.get(), false).ok());
  }
  w.sim.scheduler().RunFor(sim::Duration::Seconds(12));
  w.path.StopWrites();
  REQUIRE(w.WaitFlush(w.path.FlushAll()));
  w.path.Stop();
  CrashOutcome out;
  const absl::StatusOr<RowAudit> audit = AuditRows(w.path, w.history);
  REQUIRE(audit.ok());
  out.violation = CheckFlushedRows(w.path, *audit);
  if (!out.violation) out.violation = CheckOrdering(w.history);
  out.acked = w.path.acked_rows().size();
  out.in_segments = audit->in_segments.size();
  return out;
}

TEST_CASE("S1: crashes lose no acknowledged row and flush none twice") {
  const MqType type = GENERATE(MqType::kRocksMq, MqType::kNatsMq);
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    INFO(backends::ToString(type) << " seed " << seed);
    const CrashOutcome o = CrashCycles(seed, CrashRun{type, false, false});
    INFO((o.violation ? o.violation->detail : std::string()));
    CHECK_FALSE(o.violation);
    CHECK(o.acked > 1000);
    CHECK(o.in_segments == o.acked);  // a plain crash keeps even unsynced rows
  }
}

TEST_CASE("S1: a power loss may take unsynced rows, never synced ones") {
  const MqType type = GENERATE(MqType::kRocksMq, MqType::kNatsMq);
  size_t taken = 0;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    INFO(backends::ToString(type) << " seed " << seed);
    const CrashOutcome unsynced = CrashCycles(seed, CrashRun{type, true, false});
    INFO((unsynced.violation ? unsynced.violation->detail : std::string()));
    CHECK_FALSE(unsynced.violation);
    taken += unsynced.acked - unsynced.in_segments;
    const CrashOutcome synced = CrashCycles(seed, CrashRun{type, true, true});
    INFO((synced.violation ? synced.violation->detail : std::string()));
    CHECK_FALSE(synced.violation);
    CHECK(synced.in_segments == synced.acked);
  }
  CHECK(taken > 0);  // the allowance was needed: unsynced rows did go
}

TEST_CASE("S1 catches the planted data-node mistakes") {
  struct Planted {
    base::Bug bug;
    const char* says;
  };
  const Planted p =
      GENERATE(Planted{base::Bug::kCheckpointAheadOfSegment, "acknowledged rows are in no segment"},
               Planted{base::Bug::kResumeIncludesCheckpoint, "flushed segments (replayed"});
  base::SetBugs(base::BugMask(p.bug));
  const CrashOutcome o = CrashCycles(1, CrashRun{MqType::kRocksMq, false, true});
  base::SetBugs(0);
  REQUIRE(o.violation);
  CHECK(o.violation->property == Property::kFlushedRows);
  CHECK(o.violation->detail.find(p.says) != std::string::npos);
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
