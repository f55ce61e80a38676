#include "tests/engine_world.h"

#include <map>

#include "base/assert.h"
#include "base/bug_modes.h"
#include "node/native_node.h"
#include "node/sim_node.h"
#include "sim/run_context.h"
#include "sim/sim_env.h"
#include "sim/sim_rocksdb.h"
#include "sim/simulation.h"

namespace mqsim::testing {

namespace {

// A NativeNode with a manual clock in a fresh temporary directory.
class NativeWorld : public EngineWorld {
 public:
  Kind kind() const override { return Kind::kNative; }
  std::string Dir() const override { return node_.dir(); }
  rocksmq::RocksMqHost RocksMqHost() override { return node_.RocksMqHost(); }
  std::shared_ptr<rocksdb::FileSystem> FileSystem() override { return node_.file_system(); }
  std::shared_ptr<rocksdb::SystemClock> Clock() override { return node_.clock(); }
  storage::JobWaker Waker() override { return node_.Waker(); }
  void StartJobs(std::vector<storage::PeriodicJob> jobs) override {
    node_.StartJobs(std::move(jobs));
  }
  void StopJobs() override { node_.StopJobs(); }
  void Advance(sim::Duration d) override { node_.Advance(d); }
  int64_t NowMs() const override { return node_.NowMicros() / 1000; }

 private:
  node::NativeNode node_;
};

constexpr sim::ProcessId kEngineProcess = 1;

class SimulatedWorld : public EngineWorld {
 public:
  SimulatedWorld(uint64_t seed, sim::Trace* trace)
      : context_(seed, base::ActiveBugs()),
        sim_(seed, trace),
        node_(&sim_, node::SimNodeOptions{.process = kEngineProcess,
                                          .dir = "/data",
                                          .disk = {},
                                          .disk_stream = "disk",
                                          .env_stream = "env"}) {}
  Kind kind() const override { return Kind::kSimulated; }
  std::string Dir() const override { return node_.dir(); }
  rocksmq::RocksMqHost RocksMqHost() override { return node_.RocksMqHost(); }
  std::shared_ptr<rocksdb::FileSystem> FileSystem() override { return node_.file_system(); }
  std::shared_ptr<rocksdb::SystemClock> Clock() override { return node_.env().GetSystemClock(); }
  storage::JobWaker Waker() override { return node_.jobs().Waker(); }
  sim::SimFileSystem* sim_disk() override { return &node_.disk(); }
  void StartJobs(std::vector<storage::PeriodicJob> jobs) override {
    node_.jobs().Start(std::move(jobs));
  }
  void StopJobs() override { node_.jobs().Stop(); }
  void Advance(sim::Duration d) override { sim_.scheduler().RunFor(d); }
  int64_t NowMs() const override { return sim_.clock().wall_micros() / 1000; }

 private:
  sim::RunContext context_;  // first: the run's process-wide state outlives everything else
  sim::Simulation sim_;
  node::SimNode node_;
};

}  // namespace

std::unique_ptr<EngineWorld> EngineWorld::Make(Kind kind, uint64_t seed, sim::Trace* trace) {
  if (kind == Kind::kNative) return std::make_unique<NativeWorld>();
  return std::make_unique<SimulatedWorld>(seed, trace);
}

}  // namespace mqsim::testing
