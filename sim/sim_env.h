// SimEnv: a rocksdb::Env whose threads, time and disk belong to the simulation.
//
// * Background jobs: Schedule()/StartThread() never run anything inline (RocksDB calls them
//   holding its DB mutex); they register the job and post it to the Scheduler as a
//   callback of this Env's process, so the seed decides when it runs relative to foreground
//   work. UnSchedule() removes matching jobs and calls their unschedule callbacks.
//   DrainJobs() runs everything queued now (before Close, or to relieve write pressure).
// * Time: SimClock reads the VirtualClock; SleepForMicroseconds spends virtual time.
// * Disk: the SimFileSystem; RocksDB 7.8 still calls some legacy Env file methods, which
//   forward to it.
// * Identity: GenerateUniqueId (the DB id) comes from the seed; host name and thread id
//   are fixed.
// One SimEnv per simulated process; a crash is AbandonDb() (sim_rocksdb.h) plus
// Scheduler::CancelProcess().
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/system_clock.h>

#include <map>
#include <memory>
#include <string>

#include "sim/random.h"
#include "sim/scheduler.h"
#include "sim/sim_file_system.h"

namespace mqsim::sim {

// rocksdb::SystemClock over the VirtualClock.
class SimClock : public rocksdb::SystemClock {
 public:
  SimClock(VirtualClock* clock, Trace* trace) : clock_(clock), trace_(trace) {}
  static const char* kClassName() { return "SimClock"; }
  const char* Name() const override { return kClassName(); }
  uint64_t NowMicros() override { return static_cast<uint64_t>(clock_->wall_micros()); }
  uint64_t NowNanos() override { return static_cast<uint64_t>(clock_->wall_nanos()); }
  uint64_t CPUMicros() override { return 0; }
  uint64_t CPUNanos() override { return 0; }
  // RocksDB sleeps for write slowdowns and to retry failed background work: virtual time.
  void SleepForMicroseconds(int micros) override;
  rocksdb::Status GetCurrentTime(int64_t* unix_time) override {
    *unix_time = clock_->wall_micros() / 1000000;
    return rocksdb::Status::OK();
  }
  std::string TimeToString(uint64_t time) override;

 private:
  VirtualClock* clock_;
  Trace* trace_;
};

class SimEnv : public rocksdb::Env {
 public:
  SimEnv(Scheduler* scheduler, std::shared_ptr<SimFileSystem> fs, Random rng,
         ProcessId process = 0);
  ~SimEnv() override;

  static const char* kClassName() { return "SimEnv"; }
  const char* Name() const override { return kClassName(); }
  SimFileSystem& fs() { return *fs_; }
  ProcessId process() const { return process_; }
  void set_process(ProcessId process) { process_ = process; }

  // ---- background jobs ----
  void Schedule(void (*function)(void* arg), void* arg, Priority pri = LOW, void* tag = nullptr,
                void (*unschedFunction)(void* arg) = nullptr) override;
  int UnSchedule(void* tag, Priority pri) override;
  void StartThread(void (*function)(void* arg), void* arg) override;
  void WaitForJoin() override {}
  unsigned int GetThreadPoolQueueLen(Priority pri = LOW) const override;
  int ReserveThreads(int, Priority) override { return 0; }
  int ReleaseThreads(int, Priority) override { return 0; }
  void SetBackgroundThreads(int number, Priority pri = LOW) override;
  int GetBackgroundThreads(Priority pri = LOW) override;
  void IncBackgroundThreadsIfNeeded(int number, Priority pri) override;
  void LowerThreadPoolIOPriority(Priority = LOW) override {}
  void LowerThreadPoolCPUPriority(Priority = LOW) override {}
  rocksdb::Status LowerThreadPoolCPUPriority(Priority, rocksdb::CpuPriority) override {
    return rocksdb::Status::OK();
  }

  size_t pending_jobs() const { return jobs_.size(); }
  // Virtual time each background job takes (default 1 ms).
  void set_job_cost(Duration cost) { job_cost_ = cost; }
  uint64_t jobs_run() const { return jobs_run_; }
  // Runs queued jobs (including ones they queue) until none is left; after max_jobs, or once
  // the drain has spent kDrainBudget of virtual time (a job retrying after a failure sleeps
  // a second first), only untagged ones (see the .cc: self-rescheduling flushes and
  // compactions on a full disk never drain, and the world stands still meanwhile).
  static constexpr Duration kDrainBudget = Duration::Seconds(1);
  size_t DrainJobs(size_t max_jobs = 256);
  // A crash: forget every queued job without running it or its unschedule callback.
  void DropJobs();

  // ---- time and identity ----
  uint64_t NowMicros() override { return clock_->NowMicros(); }
  uint64_t NowNanos() override { return clock_->NowNanos(); }
  uint64_t NowCPUNanos() override { return 0; }
  void SleepForMicroseconds(int micros) override { clock_->SleepForMicroseconds(micros); }
  rocksdb::Status GetCurrentTime(int64_t* unix_time) override {
    return clock_->GetCurrentTime(unix_time);
  }
  std::string TimeToString(uint64_t time) override { return clock_->TimeToString(time); }
  rocksdb::Status GetHostName(char* name, uint64_t len) override;
  std::string GenerateUniqueId() override;
  uint64_t GetThreadID() const override { return 1; }

  // ---- legacy file API, forwarded to the SimFileSystem ----
  rocksdb::Status NewSequentialFile(const std::string& f, std::unique_ptr<rocksdb::SequentialFile>*,
                                    const rocksdb::EnvOptions&) override;
  rocksdb::Status NewRandomAccessFile(const std::string& f,
                                      std::unique_ptr<rocksdb::RandomAccessFile>*,
                                      const rocksdb::EnvOptions&) override;
  rocksdb::Status NewWritableFile(const std::string& f, std::unique_ptr<rocksdb::WritableFile>*,
                                  const rocksdb::EnvOptions&) override;
  rocksdb::Status NewDirectory(const std::string& d, std::unique_ptr<rocksdb::Directory>*) override;
  rocksdb::Status FileExists(const std::string& f) override;
  rocksdb::Status GetChildren(const std::string& d, std::vector<std::string>* r) override;
  rocksdb::Status DeleteFile(const std::string& f) override;
  rocksdb::Status Truncate(const std::string& f, size_t size) override;
  rocksdb::Status CreateDir(const std::string& d) override;
  rocksdb::Status CreateDirIfMissing(const std::string& d) override;
  rocksdb::Status DeleteDir(const std::string& d) override;
  rocksdb::Status GetFileSize(const std::string& f, uint64_t* size) override;
  rocksdb::Status GetFileModificationTime(const std::string& f, uint64_t* mtime) override;
  rocksdb::Status RenameFile(const std::string& a, const std::string& b) override;
  rocksdb::Status LockFile(const std::string& f, rocksdb::FileLock** lock) override;
  rocksdb::Status UnlockFile(rocksdb::FileLock* lock) override;
  rocksdb::Status GetTestDirectory(std::string* path) override;
  rocksdb::Status GetAbsolutePath(const std::string& db_path, std::string* out) override;
  rocksdb::Status IsDirectory(const std::string& path, bool* is_dir) override;
  rocksdb::Status GetFreeSpace(const std::string& path, uint64_t* diskfree) override;
  rocksdb::Status NewLogger(const std::string& f, std::shared_ptr<rocksdb::Logger>*) override;

 private:
  struct Job {
    void (*function)(void*);
    void* arg;
    Priority pri;
    void* tag;
    void (*unschedule)(void*);
  };
  void RunJob(uint64_t id);

  Scheduler* scheduler_;
  std::shared_ptr<SimFileSystem> fs_;
  std::shared_ptr<SimClock> clock_;
  Random rng_;
  ProcessId process_;
  std::map<uint64_t, Job> jobs_;  // queued, by submission order
  uint64_t next_job_ = 1;
  uint64_t jobs_run_ = 0;
  int background_threads_[Priority::TOTAL] = {1, 1, 1, 1};
  Duration job_cost_ = Duration::Millis(1);
};

}  // namespace mqsim::sim
