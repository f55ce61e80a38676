// EngineWorld: where an engine under test runs, so that each test is written once and run
// twice: natively (POSIX Env on a fresh temporary directory, RocksDB's own threads, a
// manual clock) and simulated (SimEnv on a SimFileSystem, the deterministic scheduler).
//
// Time only moves when the test says so (Advance), in both worlds, so retention over hours
// takes milliseconds. Periodic jobs registered with StartJobs run at their due times during
// Advance: as scheduler tasks in the simulation, called in time order on the test thread
// natively.
#pragma once

#include <rocksdb/file_system.h>
#include <rocksdb/system_clock.h>

#include <memory>
#include <string>
#include <vector>

#include "sim/sim_file_system.h"
#include "sim/time.h"
#include "sim/trace.h"
#include "storage/periodic_job.h"
#include "storage/rocksmq/rocksmq_options.h"

namespace mqsim::testing {

class EngineWorld {
 public:
  enum class Kind { kNative, kSimulated };
  // trace: for the simulated world, record into this Trace (determinism checks).
  static std::unique_ptr<EngineWorld> Make(Kind kind, uint64_t seed = 1,
                                           sim::Trace* trace = nullptr);
  virtual ~EngineWorld() = default;

  virtual Kind kind() const = 0;
  std::string name() const { return kind() == Kind::kNative ? "native" : "simulated"; }
  // A directory the engine may use (empty at first).
  virtual std::string Dir() const = 0;
  virtual rocksmq::RocksMqHost RocksMqHost() = 0;
  virtual std::shared_ptr<rocksdb::FileSystem> FileSystem() = 0;
  virtual std::shared_ptr<rocksdb::SystemClock> Clock() = 0;
  // Give to engines with deadline jobs (re-arms them when a deadline moves).
  virtual storage::JobWaker Waker() = 0;
  // The simulated disk, for crash tests; nullptr natively.
  virtual sim::SimFileSystem* sim_disk() { return nullptr; }
  // Runs jobs at their intervals from now on (replacing earlier ones).
  virtual void StartJobs(std::vector<storage::PeriodicJob> jobs) = 0;
  virtual void StopJobs() = 0;
  // Moves time forward by d, running due jobs (and, simulated, queued background work).
  virtual void Advance(sim::Duration d) = 0;
  // Wall-clock milliseconds as the engine sees them.
  virtual int64_t NowMs() const = 0;
};

}  // namespace mqsim::testing
