#include "faults/fault_injector.h"

#include <limits>

namespace mqsim::faults {

FaultInjector::FaultInjector(sim::Simulation* sim, FaultPlan plan, FaultTarget* target)
    : sim_(sim), plan_(std::move(plan)), target_(target), rng_(sim->Stream("faults")) {
  target_->disk().options().latency = plan_.latency;
  sim::Scheduler& s = sim_->scheduler();
  const sim::SpawnOptions opts{.process = kFaultProcess, .daemon = true};
  if (plan_.crashes()) actors_.push_back(s.Spawn("fault.crash", [this] { return Crashes(false); }, opts));
  if (plan_.power_losses()) {
    actors_.push_back(s.Spawn("fault.power", [this] { return Crashes(true); }, opts));
  }
  if (plan_.disk_full_interval > sim::Duration::Zero()) {
    actors_.push_back(s.Spawn("fault.disk_full", [this] { return DiskFull(); }, opts));
  }
  if (plan_.gc_interval > sim::Duration::Zero()) {
    actors_.push_back(s.Spawn("fault.gc", [this] { return GcPauses(); }, opts));
  }
  if (!plan_.starve_job.empty() && plan_.starve_interval > sim::Duration::Zero()) {
    actors_.push_back(s.Spawn("fault.starve", [this] { return Starvation(); }, opts));
  }
  sim_->trace().Event("fault.plan").Kv("plan", plan_.ToString());
}

FaultInjector::~FaultInjector() {
  for (const sim::TaskHandle& a : actors_) sim_->scheduler().Cancel(a.id);
}

sim::Duration FaultInjector::Next(sim::Duration mean) {
  const double ms = rng_.Exponential(static_cast<double>(mean.millis()));
  return sim::Duration::Millis(static_cast<int64_t>(ms) + 1);
}

sim::Task<void> FaultInjector::Crashes(bool power) {
  sim::Scheduler& s = sim_->scheduler();
  for (;;) {
    co_await s.SleepFor(Next(power ? plan_.power_loss_interval : plan_.crash_interval));
    std::optional<sim::PowerLossMode> mode;
    if (power) {
      mode = static_cast<sim::PowerLossMode>(rng_.Below(3));
      ++counts_.power_losses;
    } else {
      ++counts_.crashes;
    }
    sim_->trace().Event(power ? "fault.power_loss" : "fault.crash");
    target_->Crash(mode);
    co_await s.SleepFor(sim::Duration::Nanos(
        rng_.Uniform(plan_.restart_delay_min.nanos(), plan_.restart_delay_max.nanos())));
    sim_->trace().Event("fault.restart");
    target_->Restart();
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
    co_await s.SleepFor(plan_.disk_full_duration);
    disk.set_capacity_bytes(normal);
    sim_->trace().Event("fault.disk_space_back");
  }
}

sim::Task<void> FaultInjector::GcPauses() {
  sim::Scheduler& s = sim_->scheduler();
  for (;;) {
    co_await s.SleepFor(Next(plan_.gc_interval));
    ++counts_.gc_pauses;
    const sim::Duration pause = sim::Duration::Nanos(
        rng_.Uniform(plan_.gc_pause_min.nanos(), plan_.gc_pause_max.nanos()));
    s.PauseProcess(target_->process(), s.now() + pause);
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
