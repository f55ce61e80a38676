// RocksMqOptions: the `rocksmq:` section of milvus.yaml (keys and defaults of Milvus), plus
// mqsim's produce_sync, and the host's way of running RocksDB (RocksMqHost).
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/options.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mqsim::rocksmq {

// After a failed write the engine refuses calls while it retries reopening its databases,
// backing off from 1 s, doubling, up to this (rocksmq_recovery.cc, Ready).
inline constexpr int64_t kMaxReopenBackoffMs = 16'000;

struct RocksMqOptions {
  std::string path = "/var/lib/milvus/rdb_data";      // rocksmq.path; meta at <path>_meta_kv
  double lru_cache_ratio = 0.06;                      // rocksmq.lrucacheratio
  int64_t page_size_bytes = 64 << 20;                 // rocksmq.rocksmqPageSize
  double retention_time_minutes = 4320;               // rocksmq.retentionTimeInMinutes; -1 off
  int64_t retention_size_mb = 8192;                   // rocksmq.retentionSizeInMB; -1 off
  int64_t compaction_interval_s = 86400;              // rocksmq.compactionInterval
  int64_t ticker_interval_s = 600;                    // rocksmq.timtickerInterval
  std::vector<int> compression_types{0, 0, 7, 7, 7};  // rocksmq.compressionTypes
  bool produce_sync = false;                          // mqsim: fsync the WAL before Produce returns
};

// Block cache size Milvus derives from lrucacheratio: memory * ratio, clamped to
// [512 MiB, 4 GiB].
uint64_t BlockCacheBytes(double lru_cache_ratio, uint64_t memory_bytes);

// How the host runs RocksDB: the Env (POSIX natively, SimEnv in a simulation), a hook that
// adjusts every DB's Options (the simulation's SimRocksDbOptions), and one that runs the
// background work queued so far to its end on the calling thread, before the DBs close and
// after a flush is asked for (the simulation drains its queued jobs; unset natively, where
// RocksDB's own threads do the work and the engine waits for them).
struct RocksMqHost {
  rocksdb::Env* env = nullptr;  // nullptr: rocksdb::Env::Default()
  std::function<void(rocksdb::Options*)> adjust_db_options;
  std::function<void()> run_background_work;
  uint64_t memory_bytes = 0;  // for lrucacheratio; 0: the machine's physical memory
};

}  // namespace mqsim::rocksmq
