// NativeJobRunner: runs PeriodicJobs on one real background thread, for native (non-
// simulated) deployments and benchmarks. Never used inside a simulation.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/periodic_job.h"

namespace mqsim::storage {

class NativeJobRunner {
 public:
  explicit NativeJobRunner(std::vector<PeriodicJob> jobs);
  ~NativeJobRunner();  // stops and joins; a running job finishes first
  NativeJobRunner(const NativeJobRunner&) = delete;
  NativeJobRunner& operator=(const NativeJobRunner&) = delete;

 private:
  void Loop();

  std::vector<PeriodicJob> jobs_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mqsim::storage
