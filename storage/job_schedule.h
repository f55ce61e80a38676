// JobSchedule: the one rule for when an engine's periodic jobs run, whatever runs them (a
// scheduler task per job in simulation, one background thread natively, the test thread
// under a manual clock). Times are the engine's wall clock in microseconds.
//
//   interval job  first due one interval after the jobs start; then one interval after its
//                 previous run ended (a late run pushes the next one back, never bunches).
//   deadline job  due at the deadline it reports (next_due_us), read again whenever the host
//                 looks; nothing due while it reports none. A run that leaves its deadline
//                 still due (the job could not do its work, e.g. a full disk) is retried
//                 kDeadlineRetryUs later, never in a loop at one instant.
//
// The free functions state the rule for hosts that run each job on its own; JobSchedule
// applies it for hosts that run every job from one loop. Not thread-safe: one host owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "storage/periodic_job.h"

namespace mqsim::storage {

inline constexpr int64_t kDeadlineRetryUs = 1000;

// When an interval job that started or last ended at `since_us` is next due.
// REQUIRES: the job has no next_due_us.
int64_t NextIntervalRun(const PeriodicJob& job, int64_t since_us);

// After a deadline job ran, at now_us: whether its deadline is still due (so the host waits
// kDeadlineRetryUs before asking again). REQUIRES: the job has next_due_us.
bool DeadlineStillDue(const PeriodicJob& job, int64_t now_us);

class JobSchedule {
 public:
  struct Due {
    size_t index = 0;
    int64_t at_us = 0;
  };

  // Replaces the jobs; interval jobs become due one interval after now_us.
  void Start(std::vector<PeriodicJob> jobs, int64_t now_us);
  void Clear();
  bool empty() const { return jobs_.empty(); }
  const PeriodicJob& job(size_t i) const { return jobs_[i]; }

  // The job due first (the lowest index among equals) and when; nullopt when no job is due
  // at all. Reads every deadline job's deadline: it calls into the engine, so the caller
  // holds no lock the engine's calls need.
  std::optional<Due> Next() const;
  // Records that job i ran and ended at now_us, scheduling what follows by the rule above.
  void Ran(size_t i, int64_t now_us);

 private:
  std::vector<PeriodicJob> jobs_;
  // Interval jobs: the next run. Deadline jobs: not before this (a retry), else 0.
  std::vector<int64_t> next_us_;
};

}  // namespace mqsim::storage
