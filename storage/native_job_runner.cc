#include "storage/native_job_runner.h"

#include <chrono>

namespace mqsim::storage {

NativeJobRunner::NativeJobRunner(std::vector<PeriodicJob> jobs)
    : jobs_(std::move(jobs)), thread_([this] { Loop(); }) {}

NativeJobRunner::~NativeJobRunner() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void NativeJobRunner::Loop() {
  using Clock = std::chrono::steady_clock;
  std::vector<Clock::time_point> due;
  for (const PeriodicJob& job : jobs_) {
    due.push_back(Clock::now() + std::chrono::microseconds(job.interval_us));
  }
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    size_t next = 0;
    for (size_t i = 1; i < due.size(); ++i) {
      if (due[i] < due[next]) next = i;
    }
    if (due.empty()) {
      cv_.wait(lock, [this] { return stop_; });
      break;
    }
    if (cv_.wait_until(lock, due[next], [this] { return stop_; })) break;
    lock.unlock();
    jobs_[next].run();
    lock.lock();
    due[next] = Clock::now() + std::chrono::microseconds(jobs_[next].interval_us);
  }
}

}  // namespace mqsim::storage
