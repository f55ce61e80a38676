// NativeNode: a real machine that an engine lives on, the native counterpart of SimNode
// (node/sim_node.h): the POSIX file system in a directory of its own, RocksDB's own
// background threads, a clock, and the engine's periodic jobs run by JobSchedule's rule
// (storage/job_schedule.h). It hands each engine its host (RocksMqHost, NatsHost).
//
// Two clocks:
//   kReal    the system clock; periodic jobs run on a background thread (NativeJobRunner),
//            as a Milvus standalone runs them. For benchmarks.
//   kManual  a clock that moves only in Advance(), which runs the jobs that fall due, in
//            time order, on the caller's thread: retention over hours takes milliseconds.
//            For tests that run the same engine code natively and simulated.
// A node without a directory makes a fresh one under $TEST_TMPDIR (or /tmp) and removes it
// when destroyed. There is no crash sequence: a real process cannot be crashed and kept.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/system_clock.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/time.h"
#include "storage/job_schedule.h"
#include "storage/native_job_runner.h"
#include "storage/natsmq/nats_store.h"
#include "storage/rocksmq/rocksmq_options.h"

namespace mqsim::node {

class ManualClock;
class ManualClockEnv;

struct NativeNodeOptions {
  enum class Clock { kReal, kManual };
  Clock clock = Clock::kManual;
  std::string dir;  // empty: a fresh temporary directory, removed with the node
};

class NativeNode {
 public:
  explicit NativeNode(NativeNodeOptions options = {});
  ~NativeNode();  // stops the jobs first
  NativeNode(const NativeNode&) = delete;
  NativeNode& operator=(const NativeNode&) = delete;

  const std::string& dir() const { return dir_; }
  rocksdb::Env* env();
  std::shared_ptr<rocksdb::FileSystem> file_system();
  std::shared_ptr<rocksdb::SystemClock> clock();

  // RocksMQ's host: the node's Env (RocksDB's own threads), a fixed memory size for the
  // block cache ratio.
  rocksmq::RocksMqHost RocksMqHost(uint64_t memory_bytes = 8ULL << 30);
  // natsmq's host: the file system, the clock, the job runner's waker.
  natsmq::NatsHost NatsHost();
  // Give this to the engine before starting its jobs.
  storage::JobWaker Waker();
  // Runs the jobs from now on, replacing earlier ones; StopJobs stops them (kReal: joins).
  void StartJobs(std::vector<storage::PeriodicJob> jobs);
  void StopJobs();

  // Moves time forward by d, running every job that falls due on the way, each at its due
  // time. REQUIRES: a kManual node.
  void Advance(sim::Duration d);
  // The engine's wall clock, in microseconds.
  int64_t NowMicros() const;

 private:
  NativeNodeOptions options_;
  std::string dir_;
  bool own_dir_ = false;
  std::shared_ptr<ManualClock> manual_;  // kManual
  std::unique_ptr<ManualClockEnv> manual_env_;
  storage::JobSchedule schedule_;                     // kManual
  std::unique_ptr<storage::NativeJobRunner> runner_;  // kReal
};

}  // namespace mqsim::node
