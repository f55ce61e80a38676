#include "faults/fault_injector.h"

#include "sim/stream_names.h"

namespace mqsim::faults {

FaultInjector::FaultInjector(sim::Simulation* sim, FaultPlan plan, FaultTarget* target)
    : sim_(sim), plan_(std::move(plan)), target_(target), rng_(sim->Stream(sim::streams::kFaults)) {
  sim_->trace().Event("fault.plan").Kv("plan", plan_.ToString());
  target_->disk().options().latency = plan_.latency;
  if (plan_.disk_capacity_bytes != UINT64_MAX)
    target_->disk().set_capacity_bytes(plan_.disk_capacity_bytes);
  sim::Scheduler& s = sim_->scheduler();
  const sim::SpawnOptions opts{.process = kFaultProcess, .daemon = true};
  auto spawn = [&](const char* name, std::function<sim::Task<void>()> body) {
    actors_.push_back(s.Spawn(name, std::move(body), opts));
  };
  if (plan_.crashes()) spawn("fault.crash", [this] { return Crashes(false); });
  if (plan_.power_losses()) spawn("fault.power", [this] { return Crashes(true); });
  if (plan_.clean_restarts()) spawn("fault.clean_restart", [this] { return CleanRestarts(); });
  if (plan_.crash_at_op_interval > sim::Duration::Zero()) {
    spawn("fault.crash_in_call", [this] { return CrashesInCalls(); });
  }
  // A crash point that fires kills the process at the next step (the call in progress
  // has seen its disk go away, as a process that dies there would).
  target_->disk().set_power_off_hook([this] {
    const int64_t now = sim_->now().nanos();
    refusal_causes_.emplace_back(now, now);
    const bool in_recovery = in_recovery_;
    sim_->scheduler().Post(
        "fault.crash_at_op",
        [this, in_recovery, alive = alive_] {
          if (!*alive) return;
          if (in_recovery)
            ++counts_.crashes_in_recovery;
          else
            ++counts_.crashes_in_calls;
          CrashNow("fault.crash_at_op", armed_power_loss_);
        },
        kFaultProcess);
  });
  if (plan_.disk_full_interval > sim::Duration::Zero()) {
    spawn("fault.disk_full", [this] { return DiskFull(); });
  }
  if (plan_.gc_interval > sim::Duration::Zero()) spawn("fault.gc", [this] { return GcPauses(); });
  if (plan_.go_gc.gogc > 0) {
    go_gc_ = std::make_unique<GoGc>(plan_.go_gc, &rng_);
    target_->SetAllocationHook([this](uint64_t bytes) {
      if (quiesced_) return;
      if (auto pause = go_gc_->Allocate(bytes, sim_->now())) Pause(*pause, "heap goal");
    });
    spawn("fault.go_gc_forced", [this] { return ForcedGc(); });
  }
  if (!plan_.starve_job.empty() && plan_.starve_interval > sim::Duration::Zero()) {
    spawn("fault.starve", [this] { return Starvation(); });
  }
  if (!plan_.fiu_points.empty()) {
    points_ = std::make_unique<FaultPoints>(sim_->Stream(sim::streams::kFiu), &sim_->trace(),
                                            plan_.fiu_points, plan_.fiu_probability);
    points_->set_on_failure([this] {
      const int64_t now = sim_->now().nanos();
      refusal_causes_.emplace_back(now, now);
    });
  }
  if (plan_.buggify)
    buggify_ = std::make_unique<Buggify>(sim_->Stream(sim::streams::kBuggify), &sim_->trace());
}

FaultInjector::~FaultInjector() {
  *alive_ = false;
  Quiesce();
  target_->disk().set_power_off_hook(nullptr);
  target_->SetAllocationHook(nullptr);
}

void FaultInjector::SetPaused(bool paused) {
  const bool pause = paused || quiesced_;
  if (points_) points_->set_paused(pause);
  if (buggify_) buggify_->set_paused(pause);
}

void FaultInjector::Quiesce() {
  if (quiesced_) return;
  quiesced_ = true;
  for (const sim::TaskHandle& a : actors_) sim_->scheduler().Cancel(a.id);
  actors_.clear();
  if (restart_task_) sim_->scheduler().Cancel(restart_task_->id);
  restart_task_.reset();
  restart_pending_ = false;
  target_->disk().PowerOffAtOperation(0);
  if (points_) points_->set_paused(true);
  if (buggify_) buggify_->set_paused(true);
}

const std::vector<std::pair<const char*, uint64_t FaultCounts::*>>& FaultCountFields() {
  static const std::vector<std::pair<const char*, uint64_t FaultCounts::*>> fields = {
      {"crashes", &FaultCounts::crashes},
      {"power_losses", &FaultCounts::power_losses},
      {"clean_restarts", &FaultCounts::clean_restarts},
      {"crashes_in_calls", &FaultCounts::crashes_in_calls},
      {"crashes_in_recovery", &FaultCounts::crashes_in_recovery},
      {"failed_restarts", &FaultCounts::failed_restarts},
      {"disk_full", &FaultCounts::disk_full},
      {"gc_pauses", &FaultCounts::gc_pauses},
      {"starvations", &FaultCounts::starvations},
      {"fault_point_failures", &FaultCounts::fault_point_failures},
      {"buggify_fired", &FaultCounts::buggify_fired},
  };
  return fields;
}

void FaultInjector::AddCoverage(std::map<std::string, uint64_t>* out) const {
  auto add = [&](const std::string& name, uint64_t n) {
    if (n > 0) (*out)[name] += n;
  };
  if (points_) {
    for (const auto& [name, st] : points_->stats()) {
      add("point " + name + " evaluated", st.evaluations);
      add("point " + name + " failed", st.failures);
    }
  }
  if (buggify_) {
    for (const auto& [name, site] : buggify_->sites()) {
      add("buggify " + name + " reached", site.reached);
      add("buggify " + name + " fired", site.fired);
    }
  }
}

FaultCounts FaultInjector::counts() const {
  FaultCounts c = counts_;
  if (points_) {
    for (const auto& [name, st] : points_->stats()) c.fault_point_failures += st.failures;
  }
  if (buggify_) {
    for (const auto& [name, site] : buggify_->sites()) c.buggify_fired += site.fired;
  }
  return c;
}

sim::Duration FaultInjector::Next(sim::Duration mean) {
  const double ms = rng_.Exponential(static_cast<double>(mean.millis()));
  return sim::Duration::Millis(static_cast<int64_t>(ms) + 1);
}

sim::Duration FaultInjector::RestartDelay() {
  return sim::Duration::Nanos(
      rng_.Uniform(plan_.restart_delay_min.nanos(), plan_.restart_delay_max.nanos()));
}

void FaultInjector::CrashNow(const char* what, std::optional<sim::PowerLossMode> mode) {
  sim_->trace().Event(what).Kv("power_loss", mode ? static_cast<int64_t>(*mode) : -1);
  target_->disk().PowerOffAtOperation(0);
  target_->Crash(mode);
  ScheduleRestart();
}

void FaultInjector::ScheduleRestart() {
  if (quiesced_ || restart_pending_) return;
  restart_pending_ = true;
  restart_task_ = sim_->scheduler().Spawn(
      "fault.restart", [this] { return RestartLoop(); },
      sim::SpawnOptions{.process = kFaultProcess, .daemon = true});
}

sim::Task<void> FaultInjector::RestartLoop() {
  sim::Scheduler& s = sim_->scheduler();
  for (;;) {
    co_await s.SleepFor(RestartDelay());
    if (quiesced_) break;
    sim_->trace().Event("fault.restart");
    if (plan_.recovery_crash_probability > 0 && rng_.Chance(plan_.recovery_crash_probability)) {
      armed_power_loss_.reset();
      target_->disk().PowerOffAtOperation(rng_.Uniform(1, plan_.recovery_crash_window));
    }
    in_recovery_ = true;
    const bool up = target_->Restart();
    in_recovery_ = false;
    if (up) break;
    ++counts_.failed_restarts;
    sim_->trace().Event("fault.restart_failed");
  }
  restart_pending_ = false;
  restart_task_.reset();
}

sim::Task<void> FaultInjector::Crashes(bool power) {
  sim::Scheduler& s = sim_->scheduler();
  for (;;) {
    co_await s.SleepFor(Next(power ? plan_.power_loss_interval : plan_.crash_interval));
    std::optional<sim::PowerLossMode> mode;
    if (power) {
      mode = static_cast<sim::PowerLossMode>(rng_.Below(plan_.torn_writes ? 3 : 2));
      ++counts_.power_losses;
    } else {
      ++counts_.crashes;
    }
    CrashNow(power ? "fault.power_loss" : "fault.crash", mode);
  }
}

sim::Task<void> FaultInjector::CleanRestarts() {
  sim::Scheduler& s = sim_->scheduler();
  for (;;) {
    co_await s.SleepFor(Next(plan_.clean_restart_interval));
    if (restart_pending_) continue;  // down already: nothing to stop
    ++counts_.clean_restarts;
    sim_->trace().Event("fault.clean_stop");
    target_->Stop();
    ScheduleRestart();
  }
}

sim::Task<void> FaultInjector::CrashesInCalls() {
  sim::Scheduler& s = sim_->scheduler();
  for (;;) {
    co_await s.SleepFor(Next(plan_.crash_at_op_interval));
    if (target_->disk().power_off_armed() || restart_pending_) continue;
    armed_power_loss_.reset();
    if (rng_.Chance(plan_.crash_op_power_loss)) {
      armed_power_loss_ = static_cast<sim::PowerLossMode>(rng_.Below(plan_.torn_writes ? 3 : 2));
    }
    const uint64_t at = static_cast<uint64_t>(rng_.Uniform(1, plan_.crash_op_window));
    sim_->trace().Event("fault.arm_crash_point").Kv("in_ops", at);
    target_->disk().PowerOffAtOperation(at);
  }
}

sim::Task<void> FaultInjector::DiskFull() {
  sim::Scheduler& s = sim_->scheduler();
  sim::SimFileSystem& disk = target_->disk();
  for (;;) {
    co_await s.SleepFor(Next(plan_.disk_full_interval));
    ++counts_.disk_full;
    const uint64_t normal = disk.options().capacity_bytes;
    disk.set_capacity_bytes(disk.used_bytes() + plan_.disk_full_headroom_bytes);
    sim_->trace().Event("fault.disk_full").Kv("capacity", disk.options().capacity_bytes);
    const size_t window = refusal_causes_.size();
    refusal_causes_.emplace_back(sim_->now().nanos(), INT64_MAX);
    co_await s.SleepFor(plan_.disk_full_duration);
    refusal_causes_[window].second = sim_->now().nanos();
    disk.set_capacity_bytes(normal);
    sim_->trace().Event("fault.disk_space_back");
  }
}

void FaultInjector::Pause(sim::Duration pause, const char* why) {
  ++counts_.gc_pauses;
  sim_->trace().Event("fault.gc_pause").Kv("why", why).Kv("us", pause.micros());
  sim::Scheduler& s = sim_->scheduler();
  s.PauseProcess(target_->process(), s.now() + pause);
}

sim::Task<void> FaultInjector::GcPauses() {
  for (;;) {
    co_await sim_->scheduler().SleepFor(Next(plan_.gc_interval));
    Pause(
        sim::Duration::Nanos(rng_.Uniform(plan_.gc_pause_min.nanos(), plan_.gc_pause_max.nanos())),
        "interval");
  }
}

sim::Task<void> FaultInjector::ForcedGc() {
  sim::Scheduler& s = sim_->scheduler();
  for (;;) {
    co_await s.SleepUntil(go_gc_->next_forced());
    if (auto pause = go_gc_->Forced(s.now())) Pause(*pause, "forced");
  }
}

sim::Task<void> FaultInjector::Starvation() {
  sim::Scheduler& s = sim_->scheduler();
  for (;;) {
    co_await s.SleepFor(Next(plan_.starve_interval));
    ++counts_.starvations;
    target_->jobs().Starve(plan_.starve_job, s.now() + plan_.starve_duration);
  }
}

}  // namespace mqsim::faults
