// Workload: what a scenario does to its store, behind the three phases the harness drives
// (scenarios/harness.h), and the registry that names them.
//
//   generic  producers, consumer groups (pull or push, with seeks, stalls, topic churn) and a
//            full read every read_all_every, restarted after every crash; judged by every
//            property that applies to the store (scenarios/judge.h).
//   milvus   Milvus's data path (producers, time ticks, a flushing data node), restarted
//            from its checkpoints after every crash, and the operator's steps (FlushAll,
//            stop, start, restart, an mq.type switch or helm upgrade, ingestion); judged by
//            flushed_rows, flush_before_switch, foreign_position and ordering.
//
// A scenario names its workload implicitly: `workload.milvus` selects milvus, anything else
// generic (WorkloadName).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "properties/checkers.h"
#include "scenarios/scenario.h"

namespace mqsim::scenarios {

class Harness;

class Workload {
 public:
  virtual ~Workload() = default;

  // Before the faults: brings the store up and prepares. A violation ends the run.
  virtual std::optional<properties::Violation> Setup() = 0;
  // The scenario's duration, with the fault injector active. A violation ends the run.
  virtual std::optional<properties::Violation> Start() = 0;
  // After the faults: brings the store to rest and judges the history.
  virtual std::optional<properties::Violation> Check() = 0;
  // After the verdict, before the store's process is cancelled: releases what the workload
  // holds in the simulation (stores and tasks of its own).
  virtual void Stop() {}

  // The harness's restart protocol. Crashed: the store's process died (its tasks are
  // gone). Started: the store is open again after a crash or on the first start.
  virtual void Crashed() {}
  virtual void Started() {}
};

struct WorkloadEntry {
  std::string_view name;
  std::function<std::unique_ptr<Workload>(Harness&)> make;
};

// Every workload, by name.
const std::vector<WorkloadEntry>& Workloads();
// The workload a scenario runs ("milvus" or "generic").
std::string_view WorkloadName(const Scenario& scenario);
// REQUIRES: name is in Workloads().
std::unique_ptr<Workload> MakeWorkload(std::string_view name, Harness& harness);

}  // namespace mqsim::scenarios
