// Simulation overhead per operation: the same engine workload on the simulated machine and
// natively on tmpfs (the goal: "the simulated run is no slower than 1.5x native").
//
// Method. For each engine (rocksmq, natsmq) and each world, one fresh engine runs:
//   produce: --batches batches of --batch messages of --payload pseudo-random bytes
//            (RocksMQ: one Produce call per batch, one WriteBatch; natsmq: one Publish per
//            message), then
//   consume: one consumer reads everything back, --consume messages per call (a RocksMQ
//            consumer group; a durable natsmq consumer, Fetch then Ack as Milvus does).
// Retention off; otherwise Milvus's defaults (no produce sync, natsmq syncs every 2 min),
// or with --sync durable acknowledgements (rocksmq produceSync: the WAL is synced by every
// Produce; natsmq sync always: fsync before every publish returns).
// The calls are literally the same code (bench/engine_bench.h drivers). Worlds:
//   sim            backends::SimStore (SimFileSystem + SimEnv + SimJobRunner, as scenarios
//                  build a node), the workload as one scheduler task that yields after
//                  every call, so RocksDB's flushes and compactions run as scheduler steps
//                  on this one thread; every step, disk op and written/read byte is folded
//                  into the trace hash (the default).
//   sim-nocontent  the same with DiskOptions::hash_contents = false (op hash only).
//   native         the engine on the POSIX file system in --dir (default /dev/shm: tmpfs),
//                  real clock, RocksDB's own background threads (flush/compaction run
//                  concurrently on the second core), periodic jobs on a real-clock NativeNode.
// The simulation necessarily changes some RocksDB options (sim::SimRocksDbOptions: no block
// cache, no write stalls, no RocksDB threads); the rest is identical (same engine options,
// same 8 GiB memory_bytes). Each (engine, world) runs --reps times, each run in its own
// child process (so a simulated run's RocksDB sync-point hook never slows a native one);
// the table shows, per phase, the best (least wall time) of the reps, with that rep's CPU
// time: the machine is shared, and other load only ever adds time. Per-message wall time
// = phase wall time / messages; CPU is the child's user+sys (RUSAGE_SELF: all its
// threads) over the phase. Phases exclude open and
// close. The simulated runs also check determinism: every rep must give the same trace hash.
//   bazel run -c opt //bench:sim_overhead_benchmark -- --dir /dev/shm/mqsim-sim-overhead
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "backends/natsmq_queue.h"
#include "backends/rocksmq_queue.h"
#include "backends/sim_store.h"
#include "bench/engine_bench.h"
#include "sim/rocksdb_interpose.h"

namespace {

using mqsim::bench::Die;
using mqsim::bench::Engine;
using mqsim::bench::EngineDriver;
using mqsim::bench::Meter;
using mqsim::bench::Usage;

struct Workload {
  int batches = 10'000;
  int batch = 10;
  size_t payload = 1024;
  int consume = 100;
  bool sync = false;  // durable acks: rocksmq produce_sync, natsmq sync always
  uint64_t messages() const { return static_cast<uint64_t>(batches) * batch; }
};

enum class World { kSim, kSimNoContent, kNative };

struct Result {
  Usage produce;
  Usage consume;
  uint64_t trace_hash = 0;
  uint64_t sched_steps = 0;
};

uint64_t ConsumeAll(EngineDriver& d, const Workload& w) {
  uint64_t read = 0, bytes = 0;
  while (read < w.messages()) {
    const size_t n = d.Consume(w.consume, &bytes);
    if (n == 0) Die("consume ran dry at " + std::to_string(read));
    read += n;
  }
  if (read != w.messages() || bytes != w.messages() * w.payload) Die("consumed the wrong data");
  return read;
}

// The store as the benchmarks run it: retention off, Milvus's other defaults.
mqsim::backends::SimStoreOptions StoreOptions(Engine engine, const Workload& w,
                                              bool hash_contents) {
  mqsim::backends::SimStoreOptions so;
  so.type = engine == Engine::kRocksMq ? mqsim::backends::MqType::kRocksMq
                                       : mqsim::backends::MqType::kNatsMq;
  so.config.rocksmq = mqsim::bench::BenchRocksMqOptions();
  so.config.natsmq = mqsim::bench::BenchNatsMqOptions();
  so.config.rocksmq.produce_sync = w.sync;
  so.config.natsmq.sync_always = w.sync;
  so.disk.hash_contents = hash_contents;
  return so;
}

Result RunSimulated(Engine engine, const Workload& w, bool hash_contents, uint64_t seed) {
  namespace sim = mqsim::sim;
  namespace backends = mqsim::backends;
  sim::ResetRocksDbInternals(seed);
  sim::Simulation simulation(seed);
  const backends::SimStoreOptions so = StoreOptions(engine, w, hash_contents);
  backends::SimStore store(&simulation, so);
  if (const auto s = store.Open(); !s.ok()) Die("SimStore open: " + s.ToString());
  std::unique_ptr<EngineDriver> driver =
      engine == Engine::kRocksMq
          ? mqsim::bench::DriveRocksMq(
                &static_cast<backends::RocksMqQueue*>(store.queue())->engine())
          : mqsim::bench::DriveNatsMq(&static_cast<backends::NatsQueue*>(store.queue())->engine(),
                                      so.config.natsmq);
  driver->Setup();
  const std::vector<std::string> pool = mqsim::bench::Payloads(w.payload, 2 * w.batch, 7);
  sim::Scheduler& sched = simulation.scheduler();
  auto run_task = [&](const char* name, std::function<void()> op, int calls) {
    sched.Spawn(
        name,
        [&sched, op, calls]() -> sim::Task<void> {
          for (int i = 0; i < calls; ++i) {
            op();
            co_await sched.Yield();
          }
          sched.Stop();  // the job runner's daemon tasks would keep time moving forever
        },
        sim::SpawnOptions{.process = store.process()});
    const sim::RunResult r = sched.RunUntilQuiescent();
    if (r.outcome != sim::RunOutcome::kStopped) Die("simulation: " + r.ToString());
  };
  Result res;
  int batch_no = 0;
  Meter produce;
  run_task(
      "producer",
      [&] { driver->Produce(std::span(pool.data() + (batch_no++ % 2) * w.batch, w.batch)); },
      w.batches);
  res.produce = produce.Elapsed();
  uint64_t read = 0, bytes = 0;
  Meter consume;
  // As many calls as needed; the task stops itself once everything is read.
  const int max_calls = static_cast<int>(w.messages() / w.consume) + 2;
  sched.Spawn(
      "consumer",
      [&]() -> sim::Task<void> {
        for (int i = 0; i < max_calls && read < w.messages(); ++i) {
          const size_t n = driver->Consume(w.consume, &bytes);
          if (n == 0) Die("consume ran dry at " + std::to_string(read));
          read += n;
          co_await sched.Yield();
        }
        sched.Stop();
      },
      sim::SpawnOptions{.process = store.process()});
  const sim::RunResult r = sched.RunUntilQuiescent();
  res.consume = consume.Elapsed();
  if (r.outcome != sim::RunOutcome::kStopped) Die("simulation: " + r.ToString());
  if (read != w.messages() || bytes != w.messages() * w.payload) Die("consumed the wrong data");
  if (const auto s = store.Close(); !s.ok()) Die("SimStore close: " + s.ToString());
  res.trace_hash = simulation.trace().hash();
  res.sched_steps = sched.total_steps();
  return res;
}

Result RunNative(Engine engine, const Workload& w, const std::string& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto e = mqsim::bench::NativeEngine::Open(engine, dir, w.sync);
  EngineDriver& d = e->driver();
  d.Setup();
  const std::vector<std::string> pool = mqsim::bench::Payloads(w.payload, 2 * w.batch, 7);
  Result res;
  Meter produce;
  for (int b = 0; b < w.batches; ++b)
    d.Produce(std::span(pool.data() + (b % 2) * w.batch, w.batch));
  res.produce = produce.Elapsed();
  Meter consume;
  ConsumeAll(d, w);
  res.consume = consume.Elapsed();
  e->Close();
  e.reset();
  std::filesystem::remove_all(dir);
  return res;
}

struct Row {
  double produce_ns = 0, produce_cpu_ns = 0, consume_ns = 0, consume_cpu_ns = 0;
};

World WorldNamed(const std::string& name) {
  if (name == "sim") return World::kSim;
  if (name == "sim-nocontent") return World::kSimNoContent;
  if (name == "native") return World::kNative;
  Die("unknown world " + name);
}

// One engine's table rows, each simulated world also as a ratio to the native one.
void PrintRows(const std::string& en, const std::vector<std::string>& order,
               std::map<std::string, Row>& rows, double msgs) {
  for (const std::string& wn : order) {
    const Row& r = rows[wn];
    std::string ratios = "| — | — | — |";
    if (wn != "native" && rows.count("native") != 0) {
      const Row& n = rows["native"];
      char buf[128];
      std::snprintf(buf, sizeof buf, "| %.2fx | %.2fx | %.2fx |", r.produce_ns / n.produce_ns,
                    r.consume_ns / n.consume_ns,
                    (r.produce_ns + r.consume_ns) / (n.produce_ns + n.consume_ns));
      ratios = buf;
    }
    std::printf("| %s | %s | %.0f | %.0f | %.0f | %.0f | %.0f %s\n", en.c_str(), wn.c_str(), msgs,
                r.produce_ns, r.produce_cpu_ns, r.consume_ns, r.consume_cpu_ns, ratios.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Simulation overhead per operation: SimStore vs native on tmpfs"};
  Workload w;
  int reps = 5;
  uint64_t seed = 1;
  std::string dir = "/dev/shm/mqsim-sim-overhead";
  std::vector<std::string> engines{"rocksmq", "natsmq"};
  std::vector<std::string> worlds{"sim", "sim-nocontent", "native"};
  app.add_option("--batches", w.batches, "produce calls (batches)")->capture_default_str();
  app.add_option("--batch", w.batch, "messages per batch")->capture_default_str();
  app.add_option("--payload", w.payload, "bytes per message")->capture_default_str();
  app.add_option("--consume", w.consume, "messages per consume call")->capture_default_str();
  app.add_flag("--sync", w.sync, "durable acks (rocksmq produceSync, natsmq sync always)");
  app.add_option("--reps", reps, "runs per engine and world (best shown)")->capture_default_str();
  app.add_option("--seed", seed, "simulation seed")->capture_default_str();
  app.add_option("--dir", dir, "directory for the native runs (tmpfs)")->capture_default_str();
  app.add_option("--engines", engines, "rocksmq, natsmq")->capture_default_str();
  app.add_option("--worlds", worlds, "sim, sim-nocontent, native")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (w.batches < 1 || w.batch < 1 || w.consume < 1 || reps < 1) Die("bad arguments");

  const double msgs = static_cast<double>(w.messages());
  std::printf(
      "| engine | world | msgs | produce ns/msg | produce CPU ns/msg | consume ns/msg "
      "| consume CPU ns/msg | produce sim/native | consume sim/native | "
      "produce+consume sim/native |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  for (const std::string& en : engines) {
    const Engine engine = mqsim::bench::EngineNamed(en);
    std::map<std::string, Row> rows;
    std::vector<std::string> order;
    for (const std::string& wn : worlds) {
      const World world = WorldNamed(wn);
      Result best;  // per phase: the rep with the least wall time, and its CPU time
      best.produce.wall_s = best.consume.wall_s = 1e300;
      uint64_t hash = 0;
      for (int r = 0; r < reps; ++r) {
        const Result res = mqsim::bench::RunInChild<Result>([&] {
          return world == World::kNative ? RunNative(engine, w, dir)
                                         : RunSimulated(engine, w, world == World::kSim, seed);
        });
        if (world != World::kNative) {
          if (r > 0 && res.trace_hash != hash) Die("simulated runs diverged: not deterministic");
          hash = res.trace_hash;
          std::fprintf(stderr, "%s %s rep %d: trace hash %016llx, %llu scheduler steps\n",
                       en.c_str(), wn.c_str(), r, static_cast<unsigned long long>(hash),
                       static_cast<unsigned long long>(res.sched_steps));
        }
        if (res.produce.wall_s < best.produce.wall_s) best.produce = res.produce;
        if (res.consume.wall_s < best.consume.wall_s) best.consume = res.consume;
      }
      rows[wn] = Row{best.produce.wall_s * 1e9 / msgs, best.produce.cpu_s * 1e9 / msgs,
                     best.consume.wall_s * 1e9 / msgs, best.consume.cpu_s * 1e9 / msgs};
      order.push_back(wn);
    }
    PrintRows(en, order, rows, msgs);
  }
  return 0;
}
