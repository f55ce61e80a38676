// Crash-point enumeration (ALICE / CrashMonkey style): instead of sampling crash moments,
// crash a small workload at every file-system operation in turn and recover from every
// state the crash can leave.
//
// For a target (an engine, its workload and its checker), the enumerator first runs the
// workload to count its disk operations N. Then for each k in 1..N it builds the target
// afresh, powers the disk off just before the workload's k-th operation (so the engine
// call in progress fails there, mid-call), abandons the engine object, and checks
// recovery from (a) the page cache, which is what a process crash leaves, and (b) up to
// max_power_loss_images distinct power-loss images (SimFileSystem::EnumeratePowerLossImages:
// unsynced tails dropped, halved or kept; undurable directory entries lost or kept).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/sim_file_system.h"

namespace mqsim::faults {

class CrashTarget {
 public:
  virtual ~CrashTarget() = default;
  virtual sim::SimFileSystem& disk() = 0;
  // Runs the workload, stopping at the first engine call that fails (the crash).
  virtual void RunWorkload() = 0;
  // The process dies: the engine object is dropped without a clean close while the disk
  // is powered off, then the disk comes back with every handle of the dead process stale.
  virtual void Abandon() = 0;
  // Recovers from the disk as it is now and checks it against what the workload was told;
  // power_loss says which durability promise applies. Returns "" or the violation. Must
  // leave the engine closed.
  virtual std::string RecoverAndCheck(bool power_loss) = 0;
};

struct CrashPointOptions {
  size_t max_power_loss_images = 4;
  uint64_t stride = 1;  // check every stride-th operation (1: all)
};

struct CrashPointReport {
  uint64_t operations = 0;            // disk operations of the workload
  uint64_t crash_points = 0;          // operations crashed at
  uint64_t states_checked = 0;        // recoveries checked (process crash + power-loss images)
  std::vector<std::string> failures;  // "crash at op K, <state>: <violation>"
  std::string ToString() const;
};

CrashPointReport EnumerateCrashPoints(const std::function<std::unique_ptr<CrashTarget>()>& make,
                                      const CrashPointOptions& options = {});

}  // namespace mqsim::faults
