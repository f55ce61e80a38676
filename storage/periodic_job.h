// PeriodicJob: the engines' periodic work (retention passes, compaction requests, expiry,
// sync intervals), exposed as data so that the host decides how it runs.
//
// Engines own no threads and no timers (architecture.md). A simulated host runs each job
// as a task of the deterministic scheduler (node/sim_job_runner.h); a native host runs
// them on one background thread (storage/native_job_runner.h). The engine cannot tell.
#pragma once

#include <absl/status/status.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace mqsim::storage {

// A job runs either every interval_us (first run one interval after start), or, when
// next_due_us is set, at the wall-clock time it returns (in microseconds; nullopt: nothing
// due). A deadline-driven job's engine calls the host's JobWaker whenever its next
// deadline may have moved earlier (e.g. a publish armed an expiry), so the host re-arms.
struct PeriodicJob {
  std::string name;  // e.g. "rocksmq.retention"
  int64_t interval_us = 0;
  std::function<std::optional<int64_t>()> next_due_us;
  // One run; its status says whether the work was done (a sync that failed promises
  // nothing). Hosts may report it (node/sim_job_runner.h) but never retry early on it.
  std::function<absl::Status()> run;
};

// Implemented by hosts: "a deadline of this engine may have changed".
using JobWaker = std::function<void()>;

}  // namespace mqsim::storage
