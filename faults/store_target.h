// StoreTarget: the FaultTarget of a backends::SimStore, so any store (rocksmq, natsmq, or a
// remote broker) can be put under a FaultPlan. The harness learns of crashes and restarts
// through callbacks (to record them in its history and to start its workload again).
#pragma once

#include <functional>
#include <optional>

#include "backends/sim_store.h"
#include "faults/fault_injector.h"

namespace mqsim::faults {

class StoreTarget : public FaultTarget {
 public:
  struct Callbacks {
    // Called after the store died (with the power-loss mode, if any).
    std::function<void(std::optional<sim::PowerLossMode>)> crashed;
    // Called after the store stopped (`closed`: its Close answered ok).
    std::function<void(bool closed)> stopped;
    // Called once the store is open again: restart the workload here.
    std::function<void()> recovered;
  };
  StoreTarget(backends::SimStore* store, Callbacks callbacks)
      : store_(store), callbacks_(std::move(callbacks)) {}

  sim::ProcessId process() const override { return store_->process(); }
  sim::SimFileSystem& disk() override { return store_->disk(); }
  node::SimJobRunner& jobs() override { return store_->jobs(); }
  void Crash(std::optional<sim::PowerLossMode> power_loss) override {
    store_->Crash(power_loss);
    if (callbacks_.crashed) callbacks_.crashed(power_loss);
  }
  void Stop() override {
    if (!store_->up()) return;
    // Traced by the store; a failed close is recovery's to handle.
    const bool closed = store_->Stop().ok();
    if (callbacks_.stopped) callbacks_.stopped(closed);
  }
  bool Restart() override {
    if (held_) {  // the operator stopped it: a fault's restart does not start it again
      store_->disk().PowerOffAtOperation(0);
      return true;
    }
    if (store_->up()) return true;
    if (!store_->Open().ok()) {
      store_->Crash(std::nullopt);  // a failed start leaves nothing running
      return false;
    }
    if (callbacks_.recovered) callbacks_.recovered();
    return true;
  }
  void SetAllocationHook(std::function<void(uint64_t)> hook) override {
    alloc_hook_ = std::move(hook);
  }
  // While held, the operator keeps the store down (Milvus stopped for a switch): Restart
  // leaves it down and reports success. Crashes still reach it (a power loss of the machine).
  void set_held(bool held) { held_ = held; }
  bool held() const { return held_; }
  // The workload reports allocations here (GOGC model).
  void Allocated(uint64_t bytes) {
    if (alloc_hook_) alloc_hook_(bytes);
  }

 private:
  backends::SimStore* store_;
  Callbacks callbacks_;
  bool held_ = false;
  std::function<void(uint64_t)> alloc_hook_;
};

}  // namespace mqsim::faults
