#include "storage/native_job_runner.h"

#include <chrono>

namespace mqsim::storage {

namespace {
using Clock = std::chrono::steady_clock;

int64_t WallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

NativeJobRunner::~NativeJobRunner() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

JobWaker NativeJobRunner::Waker() {
  return [this] {
    {
      std::lock_guard<std::mutex> lock(mu_);
      woken_ = true;
    }
    cv_.notify_all();
  };
}

void NativeJobRunner::Start(std::vector<PeriodicJob> jobs) {
  jobs_ = std::move(jobs);
  thread_ = std::thread([this] { Loop(); });
}

void NativeJobRunner::Loop() {
  std::vector<Clock::time_point> due(jobs_.size(), Clock::time_point::max());
  for (size_t i = 0; i < jobs_.size(); ++i) {
    if (!jobs_[i].next_due_us)
      due[i] = Clock::now() + std::chrono::microseconds(jobs_[i].interval_us);
  }
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    // Deadline jobs: ask them again (outside the lock: they call into the engine).
    lock.unlock();
    for (size_t i = 0; i < jobs_.size(); ++i) {
      if (!jobs_[i].next_due_us) continue;
      const std::optional<int64_t> at = jobs_[i].next_due_us();
      due[i] = at ? Clock::now() + std::chrono::microseconds(*at - WallMicros())
                  : Clock::time_point::max();
    }
    lock.lock();
    size_t next = 0;
    for (size_t i = 1; i < due.size(); ++i) {
      if (due[i] < due[next]) next = i;
    }
    // Wait at most an hour at a time (time_point::max() overflows in wait_until).
    const Clock::time_point limit = Clock::now() + std::chrono::hours(1);
    const Clock::time_point when = due.empty() || due[next] > limit ? limit : due[next];
    woken_ = false;
    if (cv_.wait_until(lock, when, [this] { return stop_ || woken_; })) continue;
    if (due.empty() || Clock::now() < due[next]) continue;
    lock.unlock();
    jobs_[next].run();
    lock.lock();
    if (!jobs_[next].next_due_us) {
      due[next] = Clock::now() + std::chrono::microseconds(jobs_[next].interval_us);
    }
  }
}

}  // namespace mqsim::storage
