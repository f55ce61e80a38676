// RocksMQ produce/consume throughput natively on disk, next to a raw RocksDB baseline.
//
// Method: for each payload size (1 KiB, 128 KiB) and durability (produce_sync off/on), a
// fresh RocksMQ on the POSIX Env produces N messages in batches of 10 (one Produce call =
// one WriteBatch), then one consumer group reads them all in Consume(100) calls. The
// baseline is raw RocksDB with the same Options (levels, per-level compression, block
// cache) writing the same keys and payloads in WriteBatches of 10 with the same sync flag,
// then scanning them with an iterator. Same process, same directory, run one after the
// other; wall-clock time. RocksMQ runs first, so the raw run reuses heap memory that
// RocksMQ's memtables faulted in and freed; --fork runs each in a fresh child process
// instead, so neither inherits the other's memory. Run (--case 0 for the 1 KiB unsynced
// case alone, e.g. under perf):
//   bazel run -c opt //bench:rocksmq_benchmark -- --dir /var/tmp/mqsim-bench
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "storage/rocksmq/key_codec.h"
#include "storage/rocksmq/rocksmq.h"

namespace {

using mqsim::rocksmq::RocksMQ;
using mqsim::rocksmq::RocksMqOptions;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Rates {
  double produce_s = 0;
  double consume_s = 0;
};

constexpr int kBatch = 10;

Rates RunRocksMq(const std::string& dir, size_t payload_bytes, int messages, bool sync) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  RocksMqOptions o;
  o.path = dir + "/rdb_data";
  o.produce_sync = sync;
  o.retention_time_minutes = -1;
  o.retention_size_mb = -1;
  auto mq = RocksMQ::Open(o);
  if (!mq.ok()) {
    std::fprintf(stderr, "%s\n", mq.status().ToString().c_str());
    std::exit(1);
  }
  (void)(*mq)->CreateTopic("bench");
  (void)(*mq)->CreateConsumerGroup("bench", "g");
  const std::vector<std::string> batch(kBatch, std::string(payload_bytes, 'x'));
  Rates r;
  auto start = Clock::now();
  for (int i = 0; i < messages; i += kBatch) {
    if (!(*mq)->Produce("bench", batch).ok()) std::exit(1);
  }
  r.produce_s = Since(start);
  start = Clock::now();
  int read = 0;
  while (read < messages) {
    auto got = (*mq)->Consume("bench", "g", 100);
    if (!got.ok() || got->empty()) std::exit(1);
    read += static_cast<int>(got->size());
  }
  r.consume_s = Since(start);
  (void)(*mq)->Close();
  return r;
}

Rates RunRaw(const std::string& dir, size_t payload_bytes, int messages, bool sync) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const RocksMqOptions defaults;
  rocksdb::Options o;  // the same settings RocksMQ::OpenDatabases uses
  o.create_if_missing = true;
  o.num_levels = static_cast<int>(defaults.compression_types.size());
  for (int t : defaults.compression_types) {
    o.compression_per_level.push_back(t == 7 ? rocksdb::kZSTD : rocksdb::kNoCompression);
  }
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(512ULL << 20);
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(o, dir + "/raw", &raw).ok()) std::exit(1);
  std::unique_ptr<rocksdb::DB> db(raw);
  const std::string payload(payload_bytes, 'x');
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  Rates r;
  auto start = Clock::now();
  for (int i = 0; i < messages; i += kBatch) {
    rocksdb::WriteBatch b;
    for (int k = 0; k < kBatch; ++k) b.Put(mqsim::rocksmq::MessageKey("bench", i + k + 1), payload);
    if (!db->Write(wo, &b).ok()) std::exit(1);
  }
  r.produce_s = Since(start);
  start = Clock::now();
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  int read = 0;
  size_t bytes = 0;
  for (it->Seek("bench/"); it->Valid() && it->key().starts_with("bench/"); it->Next()) {
    bytes += it->value().size();
    ++read;
  }
  r.consume_s = Since(start);
  if (read != messages || bytes == 0) std::exit(1);
  it.reset();
  (void)db->Close();
  return r;
}

// Runs f in a child process (a fresh heap) and returns what it measured.
template <class F>
Rates InChild(F f) {
  int fds[2];
  if (pipe(fds) != 0) std::exit(1);
  const pid_t pid = fork();
  if (pid < 0) std::exit(1);
  if (pid == 0) {
    const Rates r = f();
    if (write(fds[1], &r, sizeof r) != static_cast<ssize_t>(sizeof r)) _exit(1);
    _exit(0);
  }
  Rates r;
  const bool got = read(fds[0], &r, sizeof r) == static_cast<ssize_t>(sizeof r);
  int status = 0;
  waitpid(pid, &status, 0);
  close(fds[0]);
  close(fds[1]);
  if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0) std::exit(1);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"RocksMQ throughput vs raw RocksDB"};
  std::string dir = "/var/tmp/mqsim-rocksmq-bench";
  double scale = 1.0;
  app.add_option("--dir", dir, "scratch directory on the disk to measure")->capture_default_str();
  app.add_option("--scale", scale, "multiply message counts")->capture_default_str();
  bool fork_each = false;
  app.add_flag("--fork", fork_each, "run each engine in a fresh child process");
  std::vector<int> only;
  app.add_option("--case", only,
                 "run only these cases (0: 1 KiB, 1: 1 KiB sync, 2: 128 KiB, "
                 "3: 128 KiB sync); default all");
  CLI11_PARSE(app, argc, argv);
  struct Case {
    size_t payload;
    bool sync;
    int messages;
  };
  const Case cases[] = {{1024, false, 200'000},
                        {1024, true, 20'000},
                        {128 << 10, false, 4'000},
                        {128 << 10, true, 2'000}};
  std::printf(
      "| payload | sync | msgs | rocksmq produce msg/s | MB/s | raw WriteBatch msg/s | MB/s "
      "| produce vs raw | rocksmq consume msg/s | MB/s | raw scan msg/s |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (int i = 0; i < 4; ++i) {
    if (!only.empty() && std::find(only.begin(), only.end(), i) == only.end()) continue;
    const Case& c = cases[i];
    const int n = std::max(kBatch, static_cast<int>(c.messages * scale) / kBatch * kBatch);
    auto mq_run = [&] { return RunRocksMq(dir, c.payload, n, c.sync); };
    auto raw_run = [&] { return RunRaw(dir, c.payload, n, c.sync); };
    const Rates mq = fork_each ? InChild(mq_run) : mq_run();
    const Rates raw = fork_each ? InChild(raw_run) : raw_run();
    const double mb = static_cast<double>(n) * static_cast<double>(c.payload) / (1 << 20);
    std::printf("| %zu KiB | %s | %d | %.0f | %.1f | %.0f | %.1f | %.0f%% | %.0f | %.1f | %.0f |\n",
                c.payload >> 10, c.sync ? "yes" : "no", n, n / mq.produce_s, mb / mq.produce_s,
                n / raw.produce_s, mb / raw.produce_s, 100.0 * raw.produce_s / mq.produce_s,
                n / mq.consume_s, mb / mq.consume_s, n / raw.consume_s);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
