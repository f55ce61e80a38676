#include "scenarios/workload.h"

#include "base/assert.h"
#include "scenarios/generic_workload.h"
#include "scenarios/milvus_workload.h"

namespace mqsim::scenarios {

const std::vector<WorkloadEntry>& Workloads() {
  static const std::vector<WorkloadEntry> all = {
      {"generic", [](Harness& h) { return std::make_unique<GenericWorkload>(h); }},
      {"milvus", [](Harness& h) { return std::make_unique<MilvusWorkload>(h); }},
  };
  return all;
}

std::string_view WorkloadName(const Scenario& scenario) {
  return scenario.workload.milvus.enabled ? "milvus" : "generic";
}

std::unique_ptr<Workload> MakeWorkload(std::string_view name, Harness& harness) {
  for (const WorkloadEntry& w : Workloads()) {
    if (w.name == name) return w.make(harness);
  }
  MQSIM_ASSERT_MSG(false, ("no workload named " + std::string(name)).c_str());
  return nullptr;
}

}  // namespace mqsim::scenarios
