// SimJobRunner: runs an engine's PeriodicJobs as tasks of the deterministic scheduler.
//
// One daemon task per job, in the engine's process, following JobSchedule's rule
// (storage/job_schedule.h): interval jobs run one interval after they start and after each
// run; deadline jobs sleep until their next deadline, and Waker() returns the JobWaker to
// give the engine, which re-arms them when a deadline may have moved earlier (a timer per
// engine deadline, as nats-server's expiry timer). A crash of the process
// (Scheduler::CancelProcess) stops the tasks with the engine; destroying the runner cancels
// them too. Natively the same rule runs on a thread (storage/native_job_runner.h) or under a
// manual clock (node/native_node.h).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/scheduler.h"
#include "sim/sync.h"
#include "storage/periodic_job.h"

namespace mqsim::node {

class SimJobRunner {
 public:
  SimJobRunner(sim::Scheduler* scheduler, sim::ProcessId process);
  ~SimJobRunner();
  SimJobRunner(const SimJobRunner&) = delete;
  SimJobRunner& operator=(const SimJobRunner&) = delete;

  // Give this to the engine before starting its jobs.
  storage::JobWaker Waker();
  void Start(std::vector<storage::PeriodicJob> jobs);
  void Stop();
  // Starvation (a slow-GC fault): jobs whose name starts with prefix do not run before
  // `until`; a run that falls due meanwhile happens at `until`, late but never lost.
  void Starve(const std::string& prefix, sim::Time until);
  // The longest stretch during which some job was starved (overlapping windows merged):
  // how late a starved job may run, for checkers' bounds.
  sim::Duration longest_starvation() const { return longest_starvation_; }
  // Called after every job run with the job's name and what the run returned (a history
  // records retention passes and completed sync passes).
  void set_observer(std::function<void(const std::string&, const absl::Status&)> observer) {
    observer_ = std::move(observer);
  }

 private:
  sim::Task<void> RunInterval(const storage::PeriodicJob* job);
  sim::Task<void> RunDeadline(const storage::PeriodicJob* job);
  sim::Task<void> Run(const storage::PeriodicJob* job);

  sim::Scheduler* scheduler_;
  sim::ProcessId process_;
  sim::Condition wake_;
  std::vector<storage::PeriodicJob> jobs_;
  std::vector<sim::TaskHandle> tasks_;
  std::map<std::string, sim::Time> starved_;  // name prefix -> until
  sim::Time starve_span_start_;
  sim::Time starve_span_end_;
  sim::Duration longest_starvation_;
  std::function<void(const std::string&, const absl::Status&)> observer_;
};

}  // namespace mqsim::node
