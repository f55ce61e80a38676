// RocksDB on SimEnv vs the POSIX Env, same workload, same process.
//
// Method: the RocksDbStress workload (workload seed 1: puts of 100-999 byte values over
// 50k keys, deletes, DeleteRange, 1% sync writes, flush requests, inline CompactFiles) with
// StressDbOptions (256 KiB write buffers and files). Simulated: SimEnv on SimFileSystem,
// one thread, every op and byte folded into the trace hash (and once with content hashing
// off). Native: RocksDB's default Env on a directory (default /dev/shm, i.e. tmpfs) with
// RocksDB's own background threads (max_background_jobs=4). Wall-clock time of the op loop,
// a final flush and Close (simulated: the same, background jobs run on the one thread). Run:
//   bazel run //bench:rocksdb_sim_benchmark -- --ops 200000 --dir /dev/shm/mqsim-bench
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "sim/rocksdb_interpose.h"
#include "tests/rocksdb_stress.h"

namespace {

using mqsim::sim::ApplyStressOp;
using mqsim::sim::RocksDbStress;
using mqsim::sim::Simulation;
using mqsim::sim::StressOp;
using mqsim::sim::StressWorkload;

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Row {
  const char* name;
  double seconds;
  uint64_t ops;
};

Row RunSimulated(uint64_t ops, bool hash_contents) {
  mqsim::sim::ResetRocksDbInternals(1);
  Simulation sim(1);
  RocksDbStress::Options o;
  o.disk.hash_contents = hash_contents;
  RocksDbStress stress(&sim, o);
  const auto start = std::chrono::steady_clock::now();
  if (!stress.Open().ok() || !stress.RunOps(ops).ok() || !stress.Close().ok()) {
    std::fprintf(stderr, "simulated run failed\n");
    std::exit(1);
  }
  return Row{hash_contents ? "SimEnv (trace hash incl. contents)" : "SimEnv (op hash only)",
             Seconds(start), ops};
}

Row RunNative(uint64_t ops, const std::string& dir) {
  std::filesystem::remove_all(dir);
  rocksdb::Options o = mqsim::sim::StressDbOptions();
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(o, dir, &raw).ok()) {
    std::fprintf(stderr, "cannot open %s\n", dir.c_str());
    std::exit(1);
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  StressWorkload workload(1, 50'000, 100);
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < ops; ++i) {
    const StressOp op = workload.Next();
    const rocksdb::Status s = ApplyStressOp(db.get(), workload, op);
    if (!s.ok() && op.kind <= StressOp::kDeleteRange) {
      std::fprintf(stderr, "native op failed: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  }
  (void)db->Flush(rocksdb::FlushOptions());
  (void)db->Close();
  const double secs = Seconds(start);
  db.reset();
  std::filesystem::remove_all(dir);
  return Row{"POSIX Env (RocksDB threads)", secs, ops};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"RocksDB on SimEnv vs the POSIX Env"};
  uint64_t ops = 200'000;
  std::string dir = "/dev/shm/mqsim-rocksdb-bench";
  app.add_option("--ops", ops, "workload operations")->capture_default_str();
  app.add_option("--dir", dir, "directory for the native run (tmpfs recommended)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::vector<Row> rows{RunSimulated(ops, true), RunSimulated(ops, false), RunNative(ops, dir)};
  std::printf("| run | ops | seconds | ops/s |\n|---|---|---|---|\n");
  for (const Row& r : rows) {
    std::printf("| %s | %llu | %.2f | %.0f |\n", r.name, static_cast<unsigned long long>(r.ops),
                r.seconds, static_cast<double>(r.ops) / r.seconds);
  }
  return 0;
}
