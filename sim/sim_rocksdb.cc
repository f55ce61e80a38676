#include "sim/sim_rocksdb.h"

#include <rocksdb/listener.h>
#include <rocksdb/table.h>

#include <cstdio>

namespace mqsim::sim {

void SimLogger::Logv(const char* format, va_list ap) {
  std::lock_guard<std::mutex> lock(mu_);
  ++lines_;
  if (echo_) {
    std::vfprintf(stderr, format, ap);
    std::fputc('\n', stderr);
  }
}

uint64_t SimLogger::lines() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lines_;
}

namespace {

// RocksDB's automatic recovery from a full disk runs on a thread it starts (the
// SstFileManager's error-recovery thread), which would touch the simulated disk from
// outside the simulation. Suppressing it is the public API's way; the harness recovers
// instead (restore capacity, reopen).
class NoAutoRecovery : public rocksdb::EventListener {
 public:
  const char* Name() const override { return "mqsim.NoAutoRecovery"; }
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status,
                            bool* auto_recovery) override {
    *auto_recovery = false;
  }
};

}  // namespace

rocksdb::Options SimRocksDbOptions(SimEnv* env, rocksdb::Options o) {
  o.env = env;
  // No threads of RocksDB's own.
  o.stats_dump_period_sec = 0;
  o.stats_persist_period_sec = 0;
  o.max_file_opening_threads = 1;
  o.max_subcompactions = 1;
  o.compression_opts.parallel_threads = 1;
  o.bottommost_compression_opts.parallel_threads = 1;
  o.max_bgerror_resume_count = 0;
  o.enable_thread_tracking = false;
  o.sst_file_manager = nullptr;
  o.listeners.push_back(std::make_shared<NoAutoRecovery>());
  o.rate_limiter = nullptr;
  // Never block the only thread waiting for background work.
  o.level0_slowdown_writes_trigger = 1 << 30;
  o.level0_stop_writes_trigger = 1 << 30;
  o.soft_pending_compaction_bytes_limit = 0;
  o.hard_pending_compaction_bytes_limit = 0;
  o.max_write_buffer_number = std::max(o.max_write_buffer_number, 1000);
  o.avoid_flush_during_shutdown = true;
  // Identity and logging independent of the host.
  o.db_host_id = "mqsim-host";
  if (!o.info_log) o.info_log = std::make_shared<SimLogger>();
  // No block cache: its eviction depends on malloc_usable_size (heap layout).
  rocksdb::BlockBasedTableOptions table;
  if (const auto* existing = o.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>()) {
    table = *existing;
  }
  table.no_block_cache = true;
  table.block_cache = nullptr;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return o;
}

void AbandonDb(std::unique_ptr<rocksdb::DB> db, SimEnv* env) {
  SimFileSystem& fs = env->fs();
  fs.PowerOff();
  env->DrainJobs();
  if (db) {
    (void)db->Close();  // fails on the powered-off disk; that is the point
    db.reset();
  }
  env->DropJobs();
  fs.PowerOn();  // the machine (or the process) restarts
  fs.CrashProcess();
}

}  // namespace mqsim::sim
