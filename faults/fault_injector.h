// FaultInjector: turns a FaultPlan into actors of the deterministic scheduler that crash,
// cut power to, fill, slow down and pause one simulated engine node (a FaultTarget), and
// arms the engines' libfiu points and BUGGIFY sites for the run.
//
// Every moment and every choice comes from the run's Random streams ("faults", "fiu",
// "buggify"), so the same plan and seed give the same trace. The injector is a process of
// its own (kFaultProcess): the crashes it causes do not kill it. After a crash it restarts
// the node after a seeded delay, retrying while recovery fails (a full disk, a fault point
// in recovery, a crash inside recovery).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "faults/buggify.h"
#include "faults/fault_plan.h"
#include "faults/fault_points.h"
#include "faults/go_gc.h"
#include "node/sim_job_runner.h"
#include "sim/sim_file_system.h"
#include "sim/simulation.h"

namespace mqsim::faults {

// The node under test, as the injector sees it.
class FaultTarget {
 public:
  virtual ~FaultTarget() = default;
  virtual sim::ProcessId process() const = 0;
  virtual sim::SimFileSystem& disk() = 0;
  virtual node::SimJobRunner& jobs() = 0;
  // The process dies now (its tasks are gone, the engine object is abandoned); with a
  // power-loss mode the machine loses power too. Harmless on a node that is down.
  virtual void Crash(std::optional<sim::PowerLossMode> power_loss) = 0;
  // The process stops cleanly: its tasks end, then the engine is closed (an operator's
  // restart). Harmless on a node that is down.
  virtual void Stop() = 0;
  // The process starts and recovers; false if recovery failed (it is tried again later).
  // True at once if the node is up.
  virtual bool Restart() = 0;
  // The node reports its allocations here (bytes), for the GOGC pause model.
  virtual void SetAllocationHook(std::function<void(uint64_t)> hook) { (void)hook; }
};

struct FaultCounts {
  uint64_t crashes = 0;
  uint64_t power_losses = 0;
  uint64_t clean_restarts = 0;
  uint64_t crashes_in_calls = 0;
  uint64_t crashes_in_recovery = 0;
  uint64_t failed_restarts = 0;
  uint64_t disk_full = 0;
  uint64_t gc_pauses = 0;
  uint64_t starvations = 0;
  uint64_t fault_point_failures = 0;
  uint64_t buggify_fired = 0;
};

// The fields of FaultCounts with their names ("crashes", "power_losses", ...), in order.
const std::vector<std::pair<const char*, uint64_t FaultCounts::*>>& FaultCountFields();

class FaultInjector {
 public:
  // Per libfiu point a plan enabled and per BUGGIFY site: "point NAME evaluated" and
  // "... failed", "buggify SITE reached" and "... fired", added to `out` where above zero.
  void AddCoverage(std::map<std::string, uint64_t>* out) const;

  FaultInjector(sim::Simulation* sim, FaultPlan plan, FaultTarget* target);
  ~FaultInjector();
  FaultCounts counts() const;
  const FaultPlan& plan() const { return plan_; }
  const FaultPoints* fault_points() const { return points_.get(); }
  const Buggify* buggify() const { return buggify_.get(); }
  // Stops injecting (fault points and BUGGIFY stop firing), e.g. before a final check.
  void Quiesce();
  // When the store had reason to refuse calls: each window the disk was full (a window
  // still open ends at INT64_MAX), each instant a fault point failed and each instant a
  // crash point took the disk away inside a call (the crash itself may come later, once
  // the call's slow disk work and sleeps are done), as [begin, end]
  // in simulated nanoseconds, in the order they began.
  const std::vector<std::pair<int64_t, int64_t>>& refusal_causes() const { return refusal_causes_; }
  // While paused no fault point fails and no BUGGIFY site fires (a power-loss audit
  // recovering a copy of the disk). Timed faults are unaffected: pauses are synchronous.
  void SetPaused(bool paused);

 private:
  sim::Task<void> Crashes(bool power);
  sim::Task<void> CleanRestarts();
  sim::Task<void> CrashesInCalls();
  sim::Task<void> DiskFull();
  sim::Task<void> GcPauses();
  sim::Task<void> ForcedGc();
  sim::Task<void> Starvation();
  sim::Task<void> RestartLoop();
  void CrashNow(const char* what, std::optional<sim::PowerLossMode> mode);
  // Starts the restart loop unless one is pending or the injector is quiesced.
  void ScheduleRestart();
  void Pause(sim::Duration pause, const char* why);
  sim::Duration Next(sim::Duration mean);
  sim::Duration RestartDelay();

  sim::Simulation* sim_;
  FaultPlan plan_;
  FaultTarget* target_;
  sim::Random rng_;
  FaultCounts counts_;
  std::vector<sim::TaskHandle> actors_;
  std::optional<sim::TaskHandle> restart_task_;
  // Cleared when the injector goes: callbacks it posted check it before touching it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool restart_pending_ = false;
  bool in_recovery_ = false;
  bool quiesced_ = false;
  std::optional<sim::PowerLossMode> armed_power_loss_;  // for the armed crash point
  std::unique_ptr<GoGc> go_gc_;
  std::unique_ptr<FaultPoints> points_;
  std::unique_ptr<Buggify> buggify_;
  std::vector<std::pair<int64_t, int64_t>> refusal_causes_;
};

// The injector's own process id: never crashed by it.
inline constexpr sim::ProcessId kFaultProcess = 1000;

}  // namespace mqsim::faults
