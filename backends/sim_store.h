// SimStore: one message store of any type on a simulated machine, as a Milvus node sees
// it: its own SimFileSystem and SimEnv, its periodic jobs as tasks of its own process, and
// crash and restart with the durability its configuration promises.
//
// rocksmq and natsmq run in the node (a crash abandons them and recovery reopens them);
// Pulsar, Kafka and the reference model are remote brokers held in memory, which a crash
// of the node does not touch. durable_acks() says whether an acknowledged produce survives
// a power loss (rocksmq.produceSync / natsmq sync always; the brokers always).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "backends/message_queue.h"
#include "backends/mq_config.h"
#include "node/sim_node.h"
#include "sim/sim_file_system.h"
#include "sim/simulation.h"

namespace mqsim::backends {

struct SimStoreOptions {
  MqType type = MqType::kModel;
  MilvusMqConfig config;  // the store's section; its paths are placed under dir
  std::string dir = "/data";
  sim::ProcessId process = 1;
  sim::DiskOptions disk;  // the simulated disk's profile, latency, faults, content hashing
};

class SimStore {
 public:
  SimStore(sim::Simulation* sim, SimStoreOptions options);
  ~SimStore();
  SimStore(const SimStore&) = delete;
  SimStore& operator=(const SimStore&) = delete;

  // Opens (recovering) the store and starts its periodic jobs.
  absl::Status Open();
  // kill -9 of the node (node::SimNode::Crash): its tasks die, the engine is abandoned
  // without a clean close, the page cache survives; with a mode, power is lost too.
  void Crash(std::optional<sim::PowerLossMode> power_loss);
  absl::Status Close();
  // A clean stop of the node (an operator's restart): the process's tasks end, then the
  // store closes (Close). The status is the engine's answer to Close, also traced.
  absl::Status Stop();
  // The operator's mq.type switch on this node: the next Open starts an engine of `type`,
  // configured by `config` (its files in the type's own directory under the node's dir, so
  // the previous engine's files stay where they were). REQUIRES: !up().
  void Reconfigure(MqType type, const MilvusMqConfig& config);

  MessageQueue* queue() { return queue_; }
  bool up() const { return queue_ != nullptr; }
  bool durable_acks() const;
  MqType type() const { return options_.type; }
  sim::ProcessId process() const { return options_.process; }
  sim::SimFileSystem& disk() { return node_.disk(); }
  node::SimJobRunner& jobs() { return node_.jobs(); }

 private:
  sim::Simulation* sim_;
  SimStoreOptions options_;
  node::SimNode node_;
  std::unique_ptr<MessageQueue> local_;   // rocksmq / natsmq, while up
  std::unique_ptr<MessageQueue> broker_;  // pulsar / kafka / model
  MessageQueue* queue_ = nullptr;
};

}  // namespace mqsim::backends
