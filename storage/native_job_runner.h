// NativeJobRunner: runs PeriodicJobs on one real background thread, for native (non-
// simulated) deployments and benchmarks; never used inside a simulation. When jobs run is
// JobSchedule's rule (storage/job_schedule.h) on the system clock; a deadline is read again
// whenever Waker() is called (give it to the engine) and after every run.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/job_schedule.h"
#include "storage/periodic_job.h"

namespace mqsim::storage {

class NativeJobRunner {
 public:
  NativeJobRunner() = default;
  ~NativeJobRunner();  // Stop()
  NativeJobRunner(const NativeJobRunner&) = delete;
  NativeJobRunner& operator=(const NativeJobRunner&) = delete;

  // Valid for the runner's lifetime, across Start and Stop.
  JobWaker Waker();
  // Starts the thread (replacing jobs started before).
  void Start(std::vector<PeriodicJob> jobs);
  // Stops and joins the thread; a running job finishes first.
  void Stop();

 private:
  void Loop();

  JobSchedule schedule_;  // owned by the thread while it runs
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace mqsim::storage
