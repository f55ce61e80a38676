// FaultInjector: turns a FaultPlan into actors of the deterministic scheduler that crash,
// cut power to, fill, slow down and pause one simulated engine node (a FaultTarget).
//
// Every moment and every choice comes from the run's Random stream "faults", so the same
// plan and seed give the same trace. The injector is itself a process of its own (it is
// not killed by the crashes it causes).
#pragma once

#include <optional>
#include <vector>

#include "backends/sim_job_runner.h"
#include "faults/fault_plan.h"
#include "sim/sim_file_system.h"
#include "sim/simulation.h"

namespace mqsim::faults {

// The node under test, as the injector sees it.
class FaultTarget {
 public:
  virtual ~FaultTarget() = default;
  virtual sim::ProcessId process() const = 0;
  virtual sim::SimFileSystem& disk() = 0;
  virtual backends::SimJobRunner& jobs() = 0;
  // The process dies now (its tasks are gone, the engine object is abandoned); with a
  // power-loss mode the machine loses power too.
  virtual void Crash(std::optional<sim::PowerLossMode> power_loss) = 0;
  // The process starts again and recovers.
  virtual void Restart() = 0;
};

struct FaultCounts {
  uint64_t crashes = 0;
  uint64_t power_losses = 0;
  uint64_t disk_full = 0;
  uint64_t gc_pauses = 0;
  uint64_t starvations = 0;
};

class FaultInjector {
 public:
  FaultInjector(sim::Simulation* sim, FaultPlan plan, FaultTarget* target);
  ~FaultInjector();
  const FaultCounts& counts() const { return counts_; }
  const FaultPlan& plan() const { return plan_; }

 private:
  sim::Task<void> Crashes(bool power);
  sim::Task<void> DiskFull();
  sim::Task<void> GcPauses();
  sim::Task<void> Starvation();
  sim::Duration Next(sim::Duration mean);

  sim::Simulation* sim_;
  FaultPlan plan_;
  FaultTarget* target_;
  sim::Random rng_;
  FaultCounts counts_;
  std::vector<sim::TaskHandle> actors_;
};

// The injector's own process id: never crashed by it.
inline constexpr sim::ProcessId kFaultProcess = 1000;

}  // namespace mqsim::faults
