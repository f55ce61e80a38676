// Running real RocksDB inside the simulation: Options, logging, crashes.
//
// SimRocksDbOptions() turns any Options into ones that are safe on the simulator's single
// thread and deterministic: no RocksDB-owned threads (stats dumps, file-opening threads,
// subcompactions, parallel compression, error-recovery thread), no hard write stops or
// slowdowns (they would block the only thread on a condition variable), no block cache
// (its charges use malloc_usable_size, i.e. heap layout), our own info logger, and no
// automatic recovery from background errors (RocksDB would start a thread for it).
//
// Blocking APIs: never call these inside a simulation (they wait on a condition variable
// that only a background thread could signal, and there is none):
//   DB::Flush(FlushOptions{wait=true})  -> Flush with wait=false, allow_write_stall=true,
//                                          then let the scheduler (or SimEnv::DrainJobs) run it
//   DB::CompactRange                    -> DB::CompactFiles (runs inline), or request a
//                                          compaction and let the scheduler run it
//   DB::PauseBackgroundWork, DB::Resume, DB::GetLiveFiles(flush=true), hard write stops
//   experimental::SuggestCompactRange   -> (seeds a Random64 from a heap address)
// DB::Close is safe once SimEnv::DrainJobs() ran (a queued purge job has no tag, so
// UnSchedule cannot remove it).
//
// RocksDB also owns one process-wide timer thread (periodic info-log flush, real clock)
// that cannot be disabled; SimLogger::Flush is a harmless no-op for it.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/options.h>

#include <cstdarg>
#include <memory>
#include <mutex>

#include "sim/sim_env.h"

namespace mqsim::sim {

// Info log that never touches the simulated disk; counts lines and can echo them.
class SimLogger : public rocksdb::Logger {
 public:
  explicit SimLogger(rocksdb::InfoLogLevel level = rocksdb::InfoLogLevel::WARN_LEVEL,
                     bool echo_to_stderr = false)
      : rocksdb::Logger(level), echo_(echo_to_stderr) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;
  void Flush() override {}  // called from RocksDB's timer thread: must touch nothing
  uint64_t lines() const;

 private:
  bool echo_;
  mutable std::mutex mu_;  // the timer thread may log (never does in 7.8.3), be safe
  uint64_t lines_ = 0;
};

// Applies the simulation settings above to base (keeps its tuning otherwise).
rocksdb::Options SimRocksDbOptions(SimEnv* env, rocksdb::Options base = rocksdb::Options());

// Abandons a DB object at a crash without letting its teardown touch the disk: powers the
// disk off (mutations fail), drains queued jobs (they fail harmlessly), closes and deletes
// the DB, forgets leftover jobs, powers the disk back on and marks every open handle dead
// (also when a crash point had already powered it off). The caller
// then applies PowerLoss() if the crash was a power loss.
void AbandonDb(std::unique_ptr<rocksdb::DB> db, SimEnv* env);

}  // namespace mqsim::sim
