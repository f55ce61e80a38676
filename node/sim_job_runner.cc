#include "node/sim_job_runner.h"

#include "storage/job_schedule.h"

namespace mqsim::node {

SimJobRunner::SimJobRunner(sim::Scheduler* scheduler, sim::ProcessId process)
    : scheduler_(scheduler), process_(process), wake_(*scheduler, "job-runner-wake") {}

SimJobRunner::~SimJobRunner() { Stop(); }

storage::JobWaker SimJobRunner::Waker() {
  return [this] { wake_.NotifyAll(); };
}

void SimJobRunner::Start(std::vector<storage::PeriodicJob> jobs) {
  Stop();
  jobs_ = std::move(jobs);
  for (const storage::PeriodicJob& job : jobs_) {
    const storage::PeriodicJob* j = &job;  // jobs_ is not resized until Stop()
    auto body = [this, j]() { return j->next_due_us ? RunDeadline(j) : RunInterval(j); };
    tasks_.push_back(
        scheduler_->Spawn(j->name, body, sim::SpawnOptions{.process = process_, .daemon = true}));
  }
}

void SimJobRunner::Stop() {
  for (const sim::TaskHandle& t : tasks_) scheduler_->Cancel(t.id);
  tasks_.clear();
  jobs_.clear();
}

void SimJobRunner::Starve(const std::string& prefix, sim::Time until) {
  sim::Time& end = starved_[prefix];
  end = std::max(end, until);
  const sim::Time now = scheduler_->now();
  if (now > starve_span_end_) starve_span_start_ = now;  // a new stretch
  starve_span_end_ = std::max(starve_span_end_, until);
  longest_starvation_ = std::max(longest_starvation_, starve_span_end_ - starve_span_start_);
  scheduler_->trace().Event("job.starve").Kv("prefix", prefix).Kv("until", until);
}

// Runs the job, late if it is being starved.
sim::Task<void> SimJobRunner::Run(const storage::PeriodicJob* job) {
  for (;;) {
    sim::Time until = scheduler_->now();
    for (const auto& [prefix, end] : starved_) {
      if (job->name.starts_with(prefix) && end > until) until = end;
    }
    if (until <= scheduler_->now()) break;
    co_await scheduler_->SleepUntil(until);
  }
  scheduler_->trace().Event("job.run").Kv("job", job->name);
  const absl::Status status = job->run();
  if (observer_) observer_(job->name, status);
}

// The schedule's rule (storage/job_schedule.h), one task per job.
sim::Task<void> SimJobRunner::RunInterval(const storage::PeriodicJob* job) {
  for (;;) {
    const int64_t now_us = scheduler_->clock().wall_micros();
    co_await scheduler_->SleepFor(
        sim::Duration::Micros(storage::NextIntervalRun(*job, now_us) - now_us));
    co_await Run(job);
  }
}

sim::Task<void> SimJobRunner::RunDeadline(const storage::PeriodicJob* job) {
  for (;;) {
    const std::optional<int64_t> due_us = job->next_due_us();
    if (!due_us) {
      co_await wake_.Wait();
      continue;
    }
    const int64_t wait_us = *due_us - scheduler_->clock().wall_micros();
    if (wait_us > 0) {
      const bool woken = co_await wake_.WaitFor(sim::Duration::Micros(wait_us));
      if (woken) continue;  // the deadline may have moved: look again
    }
    co_await Run(job);
    // A job that leaves its deadline in the past (it could not do its work) is tried
    // again a little later, not in a loop at one virtual instant.
    if (storage::DeadlineStillDue(*job, scheduler_->clock().wall_micros())) {
      co_await scheduler_->SleepFor(sim::Duration::Micros(storage::kDeadlineRetryUs));
    }
  }
}

}  // namespace mqsim::node
