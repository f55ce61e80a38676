// NativeJobRunner: runs PeriodicJobs on one real background thread, for native (non-
// simulated) deployments and benchmarks. Never used inside a simulation. Interval jobs
// run every interval; deadline jobs at their next_due_us, re-read whenever Wake() is
// called (give Waker() to the engine).
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/periodic_job.h"

namespace mqsim::storage {

class NativeJobRunner {
 public:
  NativeJobRunner() = default;
  ~NativeJobRunner();  // stops and joins; a running job finishes first
  NativeJobRunner(const NativeJobRunner&) = delete;
  NativeJobRunner& operator=(const NativeJobRunner&) = delete;

  JobWaker Waker();
  void Start(std::vector<PeriodicJob> jobs);

 private:
  void Loop();

  std::vector<PeriodicJob> jobs_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace mqsim::storage
