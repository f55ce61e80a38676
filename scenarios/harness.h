// Harness: what every run of a scenario shares, whatever its workload: the simulation built
// from the seed, the store on its simulated machine (process kStoreProcess, /data), the
// fault plan of the seed and the injector that carries it out, the restart protocol
// (crash and power-loss callbacks recorded in the history, the workload told), the history
// itself, and the engine panics of the run.
//
// A run is three phases, driven by Run():
//   Setup()  the workload brings the store up and prepares (no faults yet);
//   Start()  the scenario's duration with the fault injector active; the injector is then
//            quiesced and removed;
//   Check()  the workload brings the store to rest and judges the history.
// A violation from Setup or Start ends the run with it. The outcome carries the fault
// plan, the simulated time, the counts and the failing property with its evidence; the
// trace hash and steps are added by RunScenario, which owns the trace.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backends/mq_type.h"
#include "backends/sim_store.h"
#include "faults/fault_plan.h"
#include "faults/store_target.h"
#include "properties/checkers.h"
#include "properties/history.h"
#include "scenarios/runner.h"
#include "scenarios/scenario.h"
#include "sim/simulation.h"

namespace mqsim::scenarios {

class Workload;

// The node the scenario's store runs on (a crash cancels this process's tasks).
inline constexpr sim::ProcessId kStoreProcess = 1;

class Harness {
 public:
  // REQUIRES: type is the scenario's resolved store type; trace outlives the harness.
  Harness(const Scenario& scenario, uint64_t seed, sim::Trace* trace, backends::MqType type);
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  // Runs the three phases of workload on this harness. REQUIRES: called once.
  RunResult Run(Workload& workload);

  // A store of `type` on its own simulated machine (process, dir), configured from the
  // scenario (synced produce when the workload asks for it), its retention and expiry
  // passes recorded in the history.
  std::unique_ptr<backends::SimStore> MakeStore(backends::MqType type, sim::ProcessId process,
                                                const std::string& dir);

  // The store configuration of the scenario, or `base` (an upgrade's), with synced produce
  // when the workload asks for it.
  backends::MilvusMqConfig StoreConfig() const { return StoreConfig(sc_.config); }
  backends::MilvusMqConfig StoreConfig(const backends::MilvusMqConfig& base) const;

  // Lateness the faults of this run allow a periodic duty (retention, expiry, delivery):
  // the longest starvation, a restart delay, a GC pause, a stalled sync, and one second;
  // where the disk can fill or a write point fail, the longest full-disk chain (one window
  // while the run goes on) and rocksmq's longest reopen backoff.
  sim::Duration Lateness() const;
  // Lateness the faults allow a push consumer's delivery task, counted from the later of an
  // acknowledgement and the store's last refusal of one of its fetches: a GC pause, one
  // stall of each disk operation kind, and one second. Restarts and refusals do not count:
  // a restart starts the judgement afresh (the consumer subscribes anew), and a task that
  // retries while the store refuses is refused again at every retry.
  sim::Duration DeliveryLateness() const;

  // The store's Close answered ok: records what a clean stop promises (natsmq: everything
  // acknowledged is durable, as after a sync pass; rocksmq: nothing more than a crash).
  void CleanlyClosed();

  // The first engine panic of the run (a Go panic would end Milvus): judged as no_panic.
  void RecordPanic(const std::string& message);
  const std::string& panic() const { return panic_; }

  const Scenario& scenario() const { return sc_; }
  // `scenario` with the workload of `seed`.
  static Scenario ForSeed(const Scenario& scenario, uint64_t seed);
  backends::MqType type() const { return type_; }
  sim::Simulation& sim() { return sim_; }
  sim::Scheduler& scheduler() { return sim_.scheduler(); }
  int64_t Now() const { return sim_.now().nanos(); }
  const faults::FaultPlan& plan() const { return plan_; }
  properties::History& history() { return history_; }
  backends::SimStore& store() { return *store_; }
  faults::StoreTarget& target() { return *target_; }
  uint64_t crashes() const { return crashes_; }
  // What gave the store reason to refuse calls during the run (FaultInjector::
  // refusal_causes), kept when the injector stops; empty before.
  const std::vector<std::pair<int64_t, int64_t>>& refusal_causes() const { return refusal_causes_; }

 private:
  void Crashed(std::optional<sim::PowerLossMode> power_loss);
  void Stopped(bool closed);
  void Started();
  void TraceVerdict(const std::optional<properties::Violation>& v);
  void Summarise(RunResult& r) const;
  sim::Duration LongestFullDiskChain() const;

  const Scenario sc_;  // the scenario with this seed's workload (Scenario::WorkloadFor)
  backends::MqType type_;
  sim::Simulation sim_;
  faults::FaultPlan plan_;
  properties::History history_;
  std::unique_ptr<backends::SimStore> store_;
  std::unique_ptr<faults::StoreTarget> target_;
  Workload* workload_ = nullptr;  // while Run runs
  uint64_t crashes_ = 0;
  std::string panic_;
  std::vector<std::pair<int64_t, int64_t>> refusal_causes_;
};

}  // namespace mqsim::scenarios
