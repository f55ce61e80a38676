#include "sim/sim_env.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "base/assert.h"

namespace mqsim::sim {

using rocksdb::IOOptions;
using rocksdb::Status;

void SimClock::SleepForMicroseconds(int micros) {
  if (micros <= 0) return;
  clock_->Advance(Duration::Micros(micros));
  trace_->Event("env.sleep").Kv("us", static_cast<int64_t>(micros));
}

std::string SimClock::TimeToString(uint64_t time) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "t=%" PRIu64, time);
  return buf;
}

SimEnv::SimEnv(Scheduler* scheduler, std::shared_ptr<SimFileSystem> fs, Random rng,
               ProcessId process)
    : Env(fs, std::make_shared<SimClock>(&scheduler->clock(), &scheduler->trace())),
      scheduler_(scheduler),
      fs_(std::move(fs)),
      clock_(std::static_pointer_cast<SimClock>(GetSystemClock())),
      rng_(std::move(rng)),
      process_(process) {}

SimEnv::~SimEnv() = default;

void SimEnv::Schedule(void (*function)(void* arg), void* arg, Priority pri, void* tag,
                      void (*unschedFunction)(void* arg)) {
  const uint64_t id = next_job_++;
  jobs_.emplace(id, Job{function, arg, pri, tag, unschedFunction});
  scheduler_->trace().Event("env.schedule").Kv("job", id).Kv("pri", static_cast<int64_t>(pri));
  // Never inline: RocksDB holds its mutex here. The scheduler runs it when the seed says.
  scheduler_->Post(
      pri == Priority::HIGH ? "rocksdb.flush" : "rocksdb.background", [this, id] { RunJob(id); },
      process_);
}

void SimEnv::StartThread(void (*function)(void* arg), void* arg) {
  Schedule(function, arg, Priority::USER, nullptr, nullptr);
}

void SimEnv::RunJob(uint64_t id) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return;  // unscheduled, drained or dropped meanwhile
  const Job job = it->second;
  jobs_.erase(it);
  ++jobs_run_;
  scheduler_->trace().Event("env.run_job").Kv("job", id);
  job.function(job.arg);
  // Background work takes time. Without this a job that fails and reschedules itself at
  // once (a compaction on a full disk) would spin forever at one virtual instant, and the
  // fault that made it fail would never end.
  scheduler_->clock().Advance(job_cost_);
}

int SimEnv::UnSchedule(void* tag, Priority pri) {
  int removed = 0;
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (it->second.tag == tag && it->second.pri == pri) {
      const Job job = it->second;
      it = jobs_.erase(it);
      if (job.unschedule != nullptr) job.unschedule(job.arg);
      ++removed;
    } else {
      ++it;
    }
  }
  scheduler_->trace().Event("env.unschedule").Kv("removed", static_cast<int64_t>(removed));
  return removed;
}

size_t SimEnv::DrainJobs(size_t max_jobs) {
  const Time start = scheduler_->now();
  size_t ran = 0;
  while (!jobs_.empty()) {
    auto it = jobs_.begin();
    if (ran < max_jobs && scheduler_->now() - start < kDrainBudget) {
      // Seeded order among queued jobs, as the scheduler would choose.
      std::advance(it, static_cast<long>(rng_.Below(jobs_.size())));
    } else {
      // A job that keeps failing and rescheduling itself (a flush or compaction retrying on
      // a full disk, which sleeps a second before each retry) never drains, and while the
      // drain runs nothing else in the world does: the space that would end it never comes
      // back. Past max_jobs or the time budget only untagged jobs run (a purge, which
      // DB::Close waits for); Close unschedules the tagged rest (flushes and compactions
      // carry the DB as tag), as a real shutdown stops a job between its retries.
      it = std::find_if(jobs_.begin(), jobs_.end(),
                        [](const auto& entry) { return entry.second.tag == nullptr; });
      if (it == jobs_.end() || ran >= 2 * max_jobs) break;
    }
    RunJob(it->first);
    ++ran;
  }
  if (!jobs_.empty()) {
    scheduler_->trace().Event("env.drain_stopped").Kv("left", static_cast<uint64_t>(jobs_.size()));
  }
  return ran;
}

void SimEnv::DropJobs() {
  scheduler_->trace().Event("env.drop_jobs").Kv("jobs", static_cast<uint64_t>(jobs_.size()));
  jobs_.clear();
}

unsigned int SimEnv::GetThreadPoolQueueLen(Priority pri) const {
  unsigned int n = 0;
  for (const auto& [id, job] : jobs_) n += job.pri == pri ? 1 : 0;
  return n;
}

// The counts are only numbers here (no threads exist), but RocksDB reads them: with zero
// HIGH threads it would send flushes to the LOW queue.
void SimEnv::SetBackgroundThreads(int number, Priority pri) {
  background_threads_[pri] = number > 0 ? number : 1;
}
int SimEnv::GetBackgroundThreads(Priority pri) { return background_threads_[pri]; }
void SimEnv::IncBackgroundThreadsIfNeeded(int number, Priority pri) {
  if (number > background_threads_[pri]) background_threads_[pri] = number;
}

Status SimEnv::GetHostName(char* name, uint64_t len) {
  std::snprintf(name, len, "mqsim-host");
  return Status::OK();
}

std::string SimEnv::GenerateUniqueId() {
  const uint64_t a = rng_.NextU64();
  const uint64_t b = rng_.NextU64();
  char buf[40];
  std::snprintf(buf, sizeof buf,
                "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64, a >> 32,
                (a >> 16) & 0xffff, a & 0xffff, b >> 48, b & uint64_t{0xffffffffffff});
  return buf;
}

// ---- legacy file API ----
namespace {
Status Legacy(const std::string& what) {
  return Status::NotSupported(
      "SimEnv: legacy Env file objects are not provided; use the "
      "FileSystem API",
      what);
}
}  // namespace

Status SimEnv::NewSequentialFile(const std::string& f, std::unique_ptr<rocksdb::SequentialFile>*,
                                 const rocksdb::EnvOptions&) {
  return Legacy(f);
}
Status SimEnv::NewRandomAccessFile(const std::string& f,
                                   std::unique_ptr<rocksdb::RandomAccessFile>*,
                                   const rocksdb::EnvOptions&) {
  return Legacy(f);
}
Status SimEnv::NewWritableFile(const std::string& f, std::unique_ptr<rocksdb::WritableFile>*,
                               const rocksdb::EnvOptions&) {
  return Legacy(f);
}
Status SimEnv::NewDirectory(const std::string& d, std::unique_ptr<rocksdb::Directory>*) {
  return Legacy(d);
}
Status SimEnv::FileExists(const std::string& f) { return fs_->FileExists(f, IOOptions(), nullptr); }
Status SimEnv::GetChildren(const std::string& d, std::vector<std::string>* r) {
  return fs_->GetChildren(d, IOOptions(), r, nullptr);
}
Status SimEnv::DeleteFile(const std::string& f) { return fs_->DeleteFile(f, IOOptions(), nullptr); }
Status SimEnv::Truncate(const std::string& f, size_t size) {
  return fs_->Truncate(f, size, IOOptions(), nullptr);
}
Status SimEnv::CreateDir(const std::string& d) { return fs_->CreateDir(d, IOOptions(), nullptr); }
Status SimEnv::CreateDirIfMissing(const std::string& d) {
  return fs_->CreateDirIfMissing(d, IOOptions(), nullptr);
}
Status SimEnv::DeleteDir(const std::string& d) { return fs_->DeleteDir(d, IOOptions(), nullptr); }
Status SimEnv::GetFileSize(const std::string& f, uint64_t* size) {
  return fs_->GetFileSize(f, IOOptions(), size, nullptr);
}
Status SimEnv::GetFileModificationTime(const std::string& f, uint64_t* mtime) {
  return fs_->GetFileModificationTime(f, IOOptions(), mtime, nullptr);
}
Status SimEnv::RenameFile(const std::string& a, const std::string& b) {
  return fs_->RenameFile(a, b, IOOptions(), nullptr);
}
Status SimEnv::LockFile(const std::string& f, rocksdb::FileLock** lock) {
  return fs_->LockFile(f, IOOptions(), lock, nullptr);
}
Status SimEnv::UnlockFile(rocksdb::FileLock* lock) {
  return fs_->UnlockFile(lock, IOOptions(), nullptr);
}
Status SimEnv::GetTestDirectory(std::string* path) {
  return fs_->GetTestDirectory(IOOptions(), path, nullptr);
}
Status SimEnv::GetAbsolutePath(const std::string& db_path, std::string* out) {
  return fs_->GetAbsolutePath(db_path, IOOptions(), out, nullptr);
}
Status SimEnv::IsDirectory(const std::string& path, bool* is_dir) {
  return fs_->IsDirectory(path, IOOptions(), is_dir, nullptr);
}
Status SimEnv::GetFreeSpace(const std::string& path, uint64_t* diskfree) {
  return fs_->GetFreeSpace(path, IOOptions(), diskfree, nullptr);
}
Status SimEnv::NewLogger(const std::string& f, std::shared_ptr<rocksdb::Logger>*) {
  return Status::NotSupported("set Options::info_log (see sim/sim_rocksdb.h)", f);
}

}  // namespace mqsim::sim
