#include "backends/sim_job_runner.h"

namespace mqsim::backends {

SimJobRunner::SimJobRunner(sim::Scheduler* scheduler, std::vector<storage::PeriodicJob> jobs,
                           sim::ProcessId process)
    : scheduler_(scheduler), jobs_(std::move(jobs)) {
  for (const storage::PeriodicJob& job : jobs_) {
    const storage::PeriodicJob* j = &job;  // jobs_ is never resized after this point
    tasks_.push_back(scheduler_->Spawn(
        j->name,
        [this, j]() -> sim::Task<void> {
          for (;;) {
            co_await scheduler_->SleepFor(sim::Duration::Micros(j->interval_us));
            scheduler_->trace().Event("job.run").Kv("job", j->name);
            j->run();
          }
        },
        sim::SpawnOptions{.process = process, .daemon = true}));
  }
}

SimJobRunner::~SimJobRunner() {
  for (const sim::TaskHandle& t : tasks_) scheduler_->Cancel(t.id);
}

}  // namespace mqsim::backends
