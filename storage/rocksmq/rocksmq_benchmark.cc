// RocksMQ produce/consume throughput natively on disk, next to a raw RocksDB baseline.
//
// Method: for each payload size (1 KiB, 128 KiB) and durability (produce_sync off/on), a
// fresh RocksMQ on the POSIX Env produces N messages in batches of 10 (one Produce call =
// one WriteBatch), then one consumer group reads them all in Consume(100) calls. The
// baseline is raw RocksDB with the same Options (levels, per-level compression, block
// cache) writing the same keys and payloads in WriteBatches of 10 with the same sync flag,
// then scanning them with an iterator. Same process, same directory, run one after the
// other; wall-clock time. Run:
//   bazel run //storage/rocksmq:rocksmq_benchmark -- --dir /var/tmp/mqsim-bench
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <CLI/CLI.hpp>
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"RocksMQ throughput vs raw RocksDB"};
  std::string dir = "/var/tmp/mqsim-rocksmq-bench";
  double scale = 1.0;
  app.add_option("--dir", dir, "scratch directory on the disk to measure")->capture_default_str();
  app.add_option("--scale", scale, "multiply message counts")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  struct Case {
    size_t payload;
    bool sync;
    int messages;
  };
  const Case cases[] = {{1024, false, 200'000}, {1024, true, 20'000},
                        {128 << 10, false, 4'000}, {128 << 10, true, 2'000}};
  std::printf("| payload | sync | msgs | rocksmq produce msg/s | MB/s | raw WriteBatch msg/s | MB/s "
              "| produce vs raw | rocksmq consume msg/s | MB/s | raw scan msg/s |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Case& c : cases) {
    const int n = std::max(kBatch, static_cast<int>(c.messages * scale) / kBatch * kBatch);
    const Rates mq = RunRocksMq(dir, c.payload, n, c.sync);
    const Rates raw = RunRaw(dir, c.payload, n, c.sync);
    const double mb = static_cast<double>(n) * static_cast<double>(c.payload) / (1 << 20);
    std::printf("| %zu KiB | %s | %d | %.0f | %.1f | %.0f | %.1f | %.0f%% | %.0f | %.1f | %.0f |\n",
                c.payload >> 10, c.sync ? "yes" : "no", n, n / mq.produce_s, mb / mq.produce_s,
                n / raw.produce_s, mb / raw.produce_s, 100.0 * raw.produce_s / mq.produce_s,
                n / mq.consume_s, mb / mq.consume_s, n / raw.consume_s);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
