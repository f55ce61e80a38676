// MilvusWorkload: Milvus's data path on the scenario's store (scenarios/workload.h,
// "milvus"): producers, time ticks and a flushing data node (properties/milvus_data_path.h),
// and the operator's procedure: at flush_all_at, stop ingestion and FlushAll; at switch_at,
// change mq.type to switch_to and start again on an empty store of that type (process 2,
// /data2). After the scenario's duration a final FlushAll must complete within two
// minutes; the history is judged by foreign_position, flush_before_switch and ordering.
#pragma once

#include <memory>
#include <optional>

#include "backends/sim_store.h"
#include "properties/milvus_data_path.h"
#include "scenarios/harness.h"
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

 private:
  void ScheduleOperator(sim::Time start);

  Harness& h_;
  const Scenario& sc_;
  std::unique_ptr<properties::MilvusDataPath> path_;
  std::optional<properties::Violation> failed_;  // the switch failed
  std::optional<sim::Time> switched_at_;
  std::unique_ptr<backends::SimStore> next_store_;
  bool flush_completed_ = false;
};

}  // namespace mqsim::scenarios
