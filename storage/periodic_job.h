// PeriodicJob: the engines' periodic work (retention passes, compaction requests, expiry,
// sync intervals), exposed as data so that the host decides how it runs.
//
// Engines own no threads and no timers (architecture.md). A simulated host runs each job
// as a task of the deterministic scheduler (backends/sim_job_runner.h); a native host runs
// them on one background thread (storage/native_job_runner.h). The engine cannot tell.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace mqsim::storage {

struct PeriodicJob {
  std::string name;     // e.g. "rocksmq.retention"
  int64_t interval_us;  // run every interval, first run one interval after start
  std::function<void()> run;
};

}  // namespace mqsim::storage
