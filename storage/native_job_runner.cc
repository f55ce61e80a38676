#include "storage/native_job_runner.h"

#include <algorithm>
#include <chrono>

namespace mqsim::storage {

namespace {

int64_t WallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

NativeJobRunner::~NativeJobRunner() { Stop(); }

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
  Stop();
  schedule_.Start(std::move(jobs), WallMicros());
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void NativeJobRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void NativeJobRunner::Loop() {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
      woken_ = false;  // a wake from here on makes the wait below return at once
    }
    // Deadlines are read outside the lock: reading them calls into the engine.
    const std::optional<JobSchedule::Due> due = schedule_.Next();
    // Wait at most an hour at a time: a deadline job may gain a deadline without a wake.
    const int64_t wait_us =
        std::min<int64_t>(due ? due->at_us - WallMicros() : INT64_MAX, 3'600'000'000);
    if (wait_us > 0) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::microseconds(wait_us), [this] { return stop_ || woken_; });
      continue;  // woken, stopped or timed out: look again
    }
    (void)schedule_.job(due->index).run();  // a failed run is tried at its next turn
    schedule_.Ran(due->index, WallMicros());
  }
}

}  // namespace mqsim::storage
