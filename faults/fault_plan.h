// FaultPlan: which faults a run suffers and how often, every moment drawn from the seed.
//
// Intervals are means of exponential (Poisson) arrivals; a zero interval disables the
// fault. ToString() prints the plan in one line, so a failing run can show it with its
// seed. Swarm() draws a plan for one seed from ranges, FoundationDB/TigerBeetle style.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "faults/go_gc.h"
#include "sim/disk_model.h"
#include "sim/random.h"
#include "sim/time.h"

namespace mqsim::faults {

struct FaultPlan {
  // Process crash (kill -9): the page cache survives; restart after a seeded delay.
  sim::Duration crash_interval;
  // Power loss: unsynced data goes per PowerLossMode (chosen per event by the seed).
  sim::Duration power_loss_interval;
  // Power-loss audits (scenarios/power_loss_audit.h): at this mean interval, what a power
  // loss would leave is recovered and judged on a copy, the run itself untouched. Zero: off.
  // Not a fault: a swarm seed keeps the scenario's setting.
  sim::Duration power_loss_audit_interval;
  // Clean restart (an operator's restart or rolling upgrade): the process stops cleanly,
  // closing the engine (its tasks end first, as Milvus stops its consumers), and starts
  // again after the same seeded delay as a crash's restart.
  sim::Duration clean_restart_interval;
  sim::Duration restart_delay_min = sim::Duration::Seconds(1);
  sim::Duration restart_delay_max = sim::Duration::Seconds(30);
  // Crash inside an engine call: at each event the disk powers off at a seeded file-system
  // operation 1..crash_op_window operations later, so the call or background job in
  // progress fails right there; then the process dies (and with probability
  // crash_op_power_loss the machine loses power).
  sim::Duration crash_at_op_interval;
  uint32_t crash_op_window = 64;
  double crash_op_power_loss = 0.5;
  // Each restart is cut short by a crash inside recovery (the disk powers off at one of
  // its first recovery_crash_window operations) with this probability.
  double recovery_crash_probability = 0;
  uint32_t recovery_crash_window = 200;
  // Disk full: at each event the free space shrinks to disk_full_headroom_bytes (as if
  // another process filled the disk) and is given back after disk_full_duration.
  sim::Duration disk_full_interval;
  sim::Duration disk_full_duration = sim::Duration::Seconds(30);
  uint64_t disk_full_headroom_bytes = 64 << 10;
  // Slow disk: latency per operation kind, with stalls.
  sim::DiskLatency latency;
  // The disk's size (it runs full when the store outgrows it); power losses may tear the
  // last written block only with torn_writes.
  uint64_t disk_capacity_bytes = UINT64_MAX;
  bool torn_writes = true;
  // Slow GC (a): stop-the-world pauses of the engine process.
  sim::Duration gc_interval;
  sim::Duration gc_pause_min = sim::Duration::Millis(1);
  sim::Duration gc_pause_max = sim::Duration::Millis(300);
  // Slow GC (a'): pauses driven by allocated bytes, as Go's GC under GOGC (go_gc.gogc 0: off).
  GoGcOptions go_gc{.gogc = 0};
  // Slow GC (b): periodic jobs whose name starts with starve_job (e.g. "rocksmq.retention",
  // "natsmq.expire") do not run for starve_duration, every starve_interval.
  std::string starve_job;
  sim::Duration starve_interval;
  sim::Duration starve_duration = sim::Duration::Minutes(1);

  // libfiu points of failure inside the engines (names, or prefixes ending in '*'), each
  // failing with fiu_probability per evaluation.
  std::vector<std::string> fiu_points;
  double fiu_probability = 0.01;
  // FoundationDB-style BUGGIFY sites (base/buggify.h) switched on by the seed.
  bool buggify = false;

  std::string ToString() const;
  bool crashes() const { return crash_interval > sim::Duration::Zero(); }
  bool power_losses() const { return power_loss_interval > sim::Duration::Zero(); }
  bool clean_restarts() const { return clean_restart_interval > sim::Duration::Zero(); }
  bool power_loss_audits() const { return power_loss_audit_interval > sim::Duration::Zero(); }
  // Whether the disk can run full: periodically, or for good at a fixed capacity.
  bool can_fill_disk() const {
    return disk_full_interval > sim::Duration::Zero() || disk_capacity_bytes != UINT64_MAX;
  }
};

// A plan with each fault kind switched on with probability 1/2 and its knobs drawn from
// ranges scaled to a run of `duration` (swarm testing: every seed a different mix).
FaultPlan Swarm(sim::Random& rng, sim::Duration duration);

// The periodic jobs a starvation fault may name: the scenario's `starve.task` and the
// engine's job name (storage/job_names.h).
struct StarvableJob {
  std::string_view task;  // "retention", "compaction", "expiry", "sync"
  std::string_view job;   // "rocksmq.retention", ...
};
const std::vector<StarvableJob>& StarvableJobs();

}  // namespace mqsim::faults
