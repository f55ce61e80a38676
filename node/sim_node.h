// SimNode: one simulated machine that an engine lives on, and the one place that knows how.
//
// A node has a simulated disk (SimFileSystem, on its own random stream), a RocksDB Env over
// it (SimEnv: RocksDB's background jobs become scheduler callbacks of the node's process),
// a runner for the engine's periodic jobs (SimJobRunner) and the process id whose tasks die
// with it. It hands each engine its host (RocksMqHost, NatsHost) and owns the one crash
// sequence (Crash):
//   1. the process's tasks and callbacks are cancelled and its periodic jobs stopped;
//   2. the disk is powered off, so the engine, dropped next, cannot write from its
//      destructors: no clean close reaches the disk;
//   3. the engine is dropped (the caller's `drop_engine`);
//   4. RocksDB background jobs still queued in the Env are dropped;
//   5. the disk is powered on (also after a crash point powered it off inside a failed
//      start) and the process crash applied: handles and locks die, the page cache stays;
//   6. with a power-loss mode, the page cache goes too, as the mode says.
// Restarting is opening the engine again on the same node.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "node/sim_job_runner.h"
#include "sim/sim_env.h"
#include "sim/sim_file_system.h"
#include "sim/simulation.h"
#include "storage/natsmq/nats_store.h"
#include "storage/rocksmq/rocksmq_options.h"

namespace mqsim::node {

struct SimNodeOptions {
  sim::ProcessId process = 1;
  std::string dir = "/data";  // created on the disk; engines keep their files under it
  sim::DiskOptions disk;      // profile, capacity, latency, injected faults
  // The names of the node's random streams (the disk's, the Env's). Empty: "disk.<process>"
  // and "env.<process>". Names are part of a run's identity: renaming one changes its hash.
  std::string disk_stream;
  std::string env_stream;
};

class SimNode {
 public:
  SimNode(sim::Simulation* sim, SimNodeOptions options);
  ~SimNode();
  SimNode(const SimNode&) = delete;
  SimNode& operator=(const SimNode&) = delete;

  sim::Simulation& simulation() { return *sim_; }
  sim::ProcessId process() const { return options_.process; }
  const std::string& dir() const { return options_.dir; }
  sim::SimFileSystem& disk() { return *fs_; }
  const std::shared_ptr<sim::SimFileSystem>& file_system() { return fs_; }
  sim::SimEnv& env() { return env_; }
  SimJobRunner& jobs() { return jobs_; }

  // RocksMQ's host on this node: the Env, RocksDB options made deterministic
  // (sim::SimRocksDbOptions, after `tune` adjusts them), queued jobs drained before a close.
  rocksmq::RocksMqHost RocksMqHost(std::function<void(rocksdb::Options*)> tune = nullptr,
                                   uint64_t memory_bytes = 8ULL << 30);
  // natsmq's host on this node: the disk, the Env's clock, the job runner's waker.
  natsmq::NatsHost NatsHost();

  // The crash sequence above. REQUIRES: drop_engine destroys every engine object of the
  // node (its destructors may try to write; the disk refuses).
  void Crash(const std::function<void()>& drop_engine,
             std::optional<sim::PowerLossMode> power_loss = std::nullopt);

 private:
  sim::Simulation* sim_;
  SimNodeOptions options_;
  std::shared_ptr<sim::SimFileSystem> fs_;
  sim::SimEnv env_;
  SimJobRunner jobs_;
};

}  // namespace mqsim::node
