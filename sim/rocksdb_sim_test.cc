// Real RocksDB 7.8.3 running inside the simulation: determinism, crash recovery, ENOSPC,
// and no threads of its own.
#include <dirent.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "sim/rocksdb_interpose.h"
#include "tests/rocksdb_stress.h"

namespace mqsim::sim {

namespace {

struct StressRun {
  uint64_t trace_hash = 0;
  uint64_t steps = 0;
  uint64_t content_hash = 0;
  uint64_t flushes = 0;
  uint64_t compactions = 0;
  std::string session_id;
};

StressRun RunStress(uint64_t workload_seed, uint64_t run_seed, uint64_t ops) {
  ResetRocksDbInternals(run_seed);
  Simulation sim(run_seed);
  RocksDbStress::Options o;
  o.workload_seed = workload_seed;
  RocksDbStress stress(&sim, o);
  REQUIRE(stress.Open().ok());
  StressRun r;
  REQUIRE(stress.db()->GetDbSessionId(r.session_id).ok());
  REQUIRE(stress.RunOps(ops).ok());
  const StressCheck check = stress.Check();
  INFO(check.problem);
  REQUIRE(check.ok);
  REQUIRE(stress.Close().ok());
  r.trace_hash = sim.trace().hash();
  r.steps = sim.trace().steps();
  r.content_hash = check.content_hash;
  r.flushes = stress.flushes();
  r.compactions = stress.compactions();
  return r;
}

int CountThreads() {
  int n = 0;
  DIR* d = opendir("/proc/self/task");
  REQUIRE(d != nullptr);
  while (const dirent* e = readdir(d)) n += e->d_name[0] != '.' ? 1 : 0;
  closedir(d);
  return n;
}

}  // namespace

TEST_CASE("RocksDB in the simulation is bit-for-bit deterministic, even under CPU load") {
  constexpr uint64_t kOps = 200'000;
  const StressRun a = RunStress(/*workload_seed=*/1, /*run_seed=*/1, kOps);
  CHECK(a.flushes > 100);
  CHECK(a.compactions > 50);
  StressRun b;
  {
    // Real threads burning both cores while the simulation runs: timing must not matter.
    std::atomic<bool> stop{false};
    std::vector<std::thread> burners;
    for (int i = 0; i < 2; ++i) {
      burners.emplace_back([&stop] {
        volatile uint64_t x = 0;
        while (!stop.load(std::memory_order_relaxed)) x = x + 1;
      });
    }
    b = RunStress(1, 1, kOps);
    stop = true;
    for (std::thread& t : burners) t.join();
  }
  CHECK(a.trace_hash == b.trace_hash);
  CHECK(a.steps == b.steps);
  CHECK(a.content_hash == b.content_hash);
  CHECK(a.session_id == b.session_id);

  // Another run seed: background jobs interleave differently, the result is the same data.
  const StressRun c = RunStress(1, 2, kOps);
  CHECK(c.trace_hash != a.trace_hash);
  CHECK(c.content_hash == a.content_hash);
  CHECK(c.session_id != a.session_id);
  WARN("200k ops: " << a.flushes << " flushes, " << a.compactions << " compactions, " << a.steps
                    << " trace events");
}

TEST_CASE("The RocksDB interposition takes effect and is reset per run") {
  const RocksDbInterposeCalls before = GetRocksDbInterposeCalls();
  const StressRun a = RunStress(3, 5, 2000);
  const RocksDbInterposeCalls after = GetRocksDbInterposeCalls();
  // librocksdb called our definitions, not its own: if the link order or alwayslink breaks,
  // these counters stay put and this test fails.
  CHECK(after.session_id > before.session_id);
  CHECK(after.tls_random > before.tls_random);
  CHECK(after.arena_blocks > before.arena_blocks);  // needs a librocksdb built without NDEBUG
  // Same seed in the same process, after other runs: identical (the internals were reset).
  const StressRun other = RunStress(4, 6, 2000);
  const StressRun again = RunStress(3, 5, 2000);
  CHECK(a.trace_hash == again.trace_hash);
  CHECK(a.session_id == again.session_id);
  CHECK(other.session_id != a.session_id);
}

TEST_CASE("Crashes and power losses at random file-system operations lose nothing promised") {
  int power_losses = 0, process_crashes = 0, mid_call = 0;
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    ResetRocksDbInternals(seed);
    Simulation sim(seed);
    Random choices = sim.Stream("test-crash-choices");
    RocksDbStress::Options o;
    o.workload_seed = seed;
    o.key_space = 5000;
    o.sync_one_in = 20;
    if (seed % 2 == 0) o.disk.profile = PersistenceProfile::kExt4Ordered;
    RocksDbStress stress(&sim, o);
    REQUIRE(stress.Open().ok());
    for (int round = 0; round < 3; ++round) {
      // A crash point somewhere in the next few thousand file-system operations.
      stress.fs().PowerOffAtOperation(static_cast<uint64_t>(choices.Uniform(1, 6000)));
      const rocksdb::Status s = stress.RunOps(4000);
      stress.fs().PowerOffAtOperation(0);
      if (!s.ok()) ++mid_call;
      const bool power = choices.Chance(0.5);
      if (power) {
        const PowerLossMode mode = static_cast<PowerLossMode>(choices.Below(3));
        stress.PowerLoss(mode);
        ++power_losses;
      } else {
        stress.CrashProcess();
        ++process_crashes;
      }
      const StressCheck check = stress.Recover();
      INFO("seed " << seed << " round " << round << (power ? " power loss" : " crash") << ": "
                   << check.problem);
      REQUIRE(check.ok);
    }
    REQUIRE(stress.RunOps(500).ok());  // the recovered DB keeps serving
    REQUIRE(stress.Check().ok);
  }
  CHECK(power_losses > 10);
  CHECK(process_crashes > 10);
  CHECK(mid_call > 20);  // most crash points fell inside an engine call
}

TEST_CASE("ENOSPC: writes fail with NoSpace, nothing acknowledged is lost, service resumes") {
  ResetRocksDbInternals(9);
  Simulation sim(9);
  RocksDbStress::Options o;
  o.workload_seed = 9;
  o.disk.capacity_bytes = 1 << 20;
  RocksDbStress stress(&sim, o);
  REQUIRE(stress.Open().ok());
  const rocksdb::Status s = stress.RunOps(100'000);
  INFO("used " << stress.fs().used_bytes() << " nospace " << stress.fs().nospace_errors()
               << " acked " << stress.acked_writes() << " status " << s.ToString());
  REQUIRE_FALSE(s.ok());
  CHECK(s.IsNoSpace());
  CHECK(stress.fs().nospace_errors() > 0);
  const uint64_t acked = stress.acked_writes();
  CHECK(acked > 1000);
  // Recovery the way an operator does it: free space, then restart the process.
  stress.fs().set_capacity_bytes(1ULL << 40);
  stress.CrashProcess();
  const StressCheck check = stress.Recover();
  INFO(check.problem);
  REQUIRE(check.ok);
  REQUIRE(stress.RunOps(5000).ok());
  CHECK(stress.Check().ok);
}

namespace {
// A background job that fails, sleeps a second and reschedules itself, as RocksDB's flush
// and compaction do on a full disk.
struct RetryingJob {
  SimEnv* env = nullptr;
  int runs = 0;
  static void Run(void* arg) {
    auto* self = static_cast<RetryingJob*>(arg);
    ++self->runs;
    self->env->SleepForMicroseconds(1'000'000);
    self->env->Schedule(&RetryingJob::Run, self, rocksdb::Env::Priority::LOW, self, nullptr);
  }
};
}  // namespace

TEST_CASE("Draining jobs that retry on a full disk stops within its time budget") {
  // While a drain runs a job, nothing else in the world runs, so the space a retrying job
  // waits for never comes back: the drain must leave it to Close after its budget instead
  // of spending minutes of virtual time with the world standing still.
  ResetRocksDbInternals(9);
  Simulation sim(9);
  RocksDbStress::Options o;
  o.workload_seed = 9;
  RocksDbStress stress(&sim, o);
  REQUIRE(stress.Open().ok());
  stress.env().DrainJobs();
  RetryingJob job{.env = &stress.env(), .runs = 0};
  stress.env().Schedule(&RetryingJob::Run, &job, rocksdb::Env::Priority::LOW, &job, nullptr);
  const Time before = sim.now();
  stress.env().DrainJobs();
  const Duration spent = sim.now() - before;
  INFO("drain ran the job " << job.runs << " times in " << spent.nanos() / 1'000'000 << " ms");
  CHECK(job.runs >= 1);
  // The budget (1 s) plus the one retry that overran it.
  CHECK(spent <= Duration::Seconds(2) + Duration::Millis(10));
  CHECK(stress.env().UnSchedule(&job, rocksdb::Env::Priority::LOW) == 1);  // left for Close
}

TEST_CASE("RocksDB creates no threads in the simulation besides its one timer thread") {
  const int before = CountThreads();
  (void)RunStress(11, 11, 20'000);
  const int after = CountThreads();
  CHECK(after - before <= 1);
  CHECK(after <= 2);  // this thread + RocksDB's process-wide timer
}

}  // namespace mqsim::sim
