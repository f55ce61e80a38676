#include "faults/fault_plan.h"

#include "storage/job_names.h"

namespace mqsim::faults {

std::string FaultPlan::ToString() const {
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  if (crashes()) add("crash every ~" + crash_interval.ToString());
  if (power_losses()) add("power loss every ~" + power_loss_interval.ToString());
  if (clean_restarts()) add("clean restart every ~" + clean_restart_interval.ToString());
  if (disk_full_interval > sim::Duration::Zero()) {
    add("disk full every ~" + disk_full_interval.ToString() + " for " +
        disk_full_duration.ToString());
  }
  if (latency.sync.enabled() || latency.write.enabled() || latency.read.enabled()) {
    add("slow disk (sync " + latency.sync.min.ToString() + ".." + latency.sync.max.ToString() +
        ", stall " + latency.sync.stall.ToString() + ")");
  }
  if (gc_interval > sim::Duration::Zero()) {
    add("gc pause " + gc_pause_min.ToString() + ".." + gc_pause_max.ToString() + " every ~" +
        gc_interval.ToString());
  }
  if (!starve_job.empty() && starve_interval > sim::Duration::Zero()) {
    add("starve " + starve_job + " for " + starve_duration.ToString() + " every ~" +
        starve_interval.ToString());
  }
  if (crash_at_op_interval > sim::Duration::Zero()) {
    add("crash inside a call (within " + std::to_string(crash_op_window) + " disk ops) every ~" +
        crash_at_op_interval.ToString());
  }
  if (recovery_crash_probability > 0) {
    add("crash during recovery p=" + std::to_string(recovery_crash_probability).substr(0, 4));
  }
  if (go_gc.gogc > 0) add("go gc GOGC=" + std::to_string(go_gc.gogc));
  if (!fiu_points.empty()) {
    std::string names;
    for (const std::string& p : fiu_points) names += (names.empty() ? "" : " ") + p;
    add("fiu [" + names + "] p=" + std::to_string(fiu_probability).substr(0, 6));
  }
  if (buggify) add("buggify");
  if (power_loss_audits()) add("power-loss audit every ~" + power_loss_audit_interval.ToString());
  return out.empty() ? "no faults" : out;
}

FaultPlan Swarm(sim::Random& rng, sim::Duration duration) {
  FaultPlan p;
  const int64_t run_ms = duration.millis();
  auto interval = [&](int64_t min_fraction, int64_t max_fraction) {
    return sim::Duration::Millis(rng.Uniform(run_ms / max_fraction, run_ms / min_fraction));
  };
  if (rng.Chance(0.5)) p.crash_interval = interval(2, 10);
  if (rng.Chance(0.5)) p.power_loss_interval = interval(2, 8);
  if (rng.Chance(0.5)) p.disk_full_interval = interval(2, 8);
  if (rng.Chance(0.5)) {
    p.latency.sync = {sim::Duration::Micros(100), sim::Duration::Millis(5), 0.01,
                      sim::Duration::Seconds(2)};
    p.latency.write = {sim::Duration::Micros(5), sim::Duration::Micros(200), 0, {}};
  }
  if (rng.Chance(0.5)) p.gc_interval = interval(5, 50);
  if (rng.Chance(0.5)) {
    p.starve_job = rng.Chance(0.5) ? storage::jobs::kRocksMqRetention : storage::jobs::kNatsExpire;
    p.starve_interval = interval(2, 6);
  }
  if (rng.Chance(0.5)) p.crash_at_op_interval = interval(2, 10);
  if (rng.Chance(0.3)) p.recovery_crash_probability = 0.3;
  if (rng.Chance(0.5)) p.go_gc.gogc = static_cast<int>(rng.Uniform(25, 200));
  if (rng.Chance(0.5)) {
    p.fiu_points = {"rocksmq/*", "natsmq/*"};  // only the running engine's are reached
    p.fiu_probability = 0.001 * static_cast<double>(rng.Uniform(1, 20));
  }
  p.buggify = rng.Chance(0.5);
  if (rng.Chance(0.5)) p.clean_restart_interval = interval(2, 10);
  return p;
}

const std::vector<StarvableJob>& StarvableJobs() {
  static const std::vector<StarvableJob> jobs = {
      {"retention", storage::jobs::kRocksMqRetention},
      {"compaction", storage::jobs::kRocksMqCompaction},
      {"expiry", storage::jobs::kNatsExpire},
      {"sync", storage::jobs::kNatsSync},
  };
  return jobs;
}

}  // namespace mqsim::faults
