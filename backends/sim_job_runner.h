// SimJobRunner: runs an engine's PeriodicJobs as tasks of the deterministic scheduler.
//
// One daemon task per job, in the engine's process: sleep one interval, run the job,
// repeat. A crash of that process (Scheduler::CancelProcess) stops them with the engine;
// destroying the runner cancels them too. The native counterpart is
// storage/native_job_runner.h.
#pragma once

#include <vector>

#include "sim/scheduler.h"
#include "storage/periodic_job.h"

namespace mqsim::backends {

class SimJobRunner {
 public:
  SimJobRunner(sim::Scheduler* scheduler, std::vector<storage::PeriodicJob> jobs,
               sim::ProcessId process);
  ~SimJobRunner();
  SimJobRunner(const SimJobRunner&) = delete;
  SimJobRunner& operator=(const SimJobRunner&) = delete;

 private:
  sim::Scheduler* scheduler_;
  std::vector<storage::PeriodicJob> jobs_;
  std::vector<sim::TaskHandle> tasks_;
};

}  // namespace mqsim::backends
