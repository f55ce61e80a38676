#include "storage/job_schedule.h"

#include <algorithm>
#include <limits>

#include "base/assert.h"

namespace mqsim::storage {

int64_t NextIntervalRun(const PeriodicJob& job, int64_t since_us) {
  MQSIM_ASSERT(!job.next_due_us);
  return since_us + job.interval_us;
}

bool DeadlineStillDue(const PeriodicJob& job, int64_t now_us) {
  MQSIM_ASSERT(job.next_due_us);
  const std::optional<int64_t> due = job.next_due_us();
  return due && *due <= now_us;
}

void JobSchedule::Start(std::vector<PeriodicJob> jobs, int64_t now_us) {
  jobs_ = std::move(jobs);
  next_us_.assign(jobs_.size(), 0);
  for (size_t i = 0; i < jobs_.size(); ++i) {
    if (!jobs_[i].next_due_us) next_us_[i] = NextIntervalRun(jobs_[i], now_us);
  }
}

void JobSchedule::Clear() {
  jobs_.clear();
  next_us_.clear();
}

std::optional<JobSchedule::Due> JobSchedule::Next() const {
  std::optional<Due> first;
  for (size_t i = 0; i < jobs_.size(); ++i) {
    int64_t at = next_us_[i];
    if (jobs_[i].next_due_us) {
      const std::optional<int64_t> deadline = jobs_[i].next_due_us();
      if (!deadline) continue;
      at = std::max(*deadline, next_us_[i]);
    }
    if (!first || at < first->at_us) first = Due{i, at};
  }
  return first;
}

void JobSchedule::Ran(size_t i, int64_t now_us) {
  MQSIM_ASSERT(i < jobs_.size());
  if (!jobs_[i].next_due_us) {
    next_us_[i] = NextIntervalRun(jobs_[i], now_us);
  } else {
    next_us_[i] = DeadlineStillDue(jobs_[i], now_us) ? now_us + kDeadlineRetryUs : 0;
  }
}

}  // namespace mqsim::storage
