// MilvusWorkload: Milvus standalone's data path on the scenario's store (scenarios/workload.h,
// "milvus"): producers, time ticks and a flushing data node (properties/milvus_data_path.h)
// in the store's process, and the operator's steps (scenarios/milvus_spec.h) at their
// moments: flush_all (stop ingestion, FlushAll), stop, start, restart, and switch (stop,
// change mq.type, start on the same machine; the new engine keeps its files in its own
// directory).
//
// Faults reach Milvus as they reach its embedded store: a crash or power loss kills the data
// path with the store, and when the fault injector restarts the store the data path resumes
// from its checkpoints. While the operator holds Milvus stopped, a fault's restart leaves it
// down. After the faults, Milvus is brought up, ingestion stops and a final FlushAll must
// complete within two minutes; the run is judged by foreign_position, flush_before_switch,
// flushed_rows and ordering (properties/milvus_checks.h).
#pragma once

#include <memory>
#include <optional>

#include "properties/milvus_data_path.h"
#include "scenarios/harness.h"
#include "scenarios/milvus_spec.h"
#include "scenarios/workload.h"

namespace mqsim::scenarios {

class MilvusWorkload : public Workload {
 public:
  explicit MilvusWorkload(Harness& harness);
  ~MilvusWorkload() override;

  std::optional<properties::Violation> Setup() override;
  std::optional<properties::Violation> Start() override;
  std::optional<properties::Violation> Check() override;
  void Stop() override;
  void Crashed() override;
  void Started() override;

 private:
  sim::Task<void> Operator(sim::Time start);
  // Carries out one step; a FlushAll's timestamp, to wait for.
  std::optional<int64_t> Do(const OperatorStep& step);
  // A clean stop of Milvus: data path, then store; held down until StartMilvus.
  void StopMilvus();
  // Starts Milvus (the store if it is down, then the data path); an attempt that fails is
  // tried again a second later, as a process supervisor would.
  void StartMilvus();
  // One attempt; true when the store and the data path run.
  bool TryStart();
  // Starts the data path on the running store; a refused checkpoint ends the run (failed_).
  void StartPath();
  std::optional<properties::Violation> FinalFlush();

  Harness& h_;
  const Scenario& sc_;
  std::unique_ptr<properties::MilvusDataPath> path_;
  bool ignore_bad_position_;  // mq.ignoreBadPosition as deployed now (an upgrade may change it)
  std::optional<properties::Violation> failed_;  // a start or a switch failed
  bool flush_completed_ = false;
  bool want_up_ = true;          // the operator wants Milvus running
  bool retry_pending_ = false;   // StartMilvus will try again
  bool switch_pending_ = false;  // a switch whose first start has not succeeded
  bool started_once_ = false;
};

}  // namespace mqsim::scenarios
