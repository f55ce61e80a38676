// Judge: the table from each typed Property to the checker that decides it and the options
// the scenario's configuration gives that checker, for the generic workload's history.
//
// The checkers run in table order; the verdict is the first violation whose property the
// scenario checks (`checks:`, or every property that applies). An engine panic recorded
// during the run fails no_panic before any history check.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backends/mq_type.h"
#include "properties/checkers.h"
#include "properties/history.h"
#include "properties/property.h"
#include "scenarios/scenario.h"
#include "sim/time.h"

namespace mqsim::scenarios {

// What the judge needs to know of a finished run.
struct JudgeInput {
  const properties::History& history;
  const Scenario& scenario;
  const faults::FaultPlan& plan;    // the run's faults (a swarm seed draws its own)
  backends::MqType type;            // the store the history was recorded on
  sim::Duration lateness;           // what the faults allow a periodic duty (Harness::Lateness)
  sim::Duration delivery_lateness;  // and a push consumer's delivery (Harness::DeliveryLateness)
  const std::string& panic;         // the first engine panic, or empty
  // When the faults gave the store reason to refuse calls (Harness::refusal_causes); null
  // where unknown, and then refusals are not judged.
  const std::vector<std::pair<int64_t, int64_t>>* refusal_causes = nullptr;
};

struct JudgeEntry {
  properties::Property property;  // what the checker decides (its main property)
  bool (*applies)(const JudgeInput&);
  std::optional<properties::Violation> (*check)(const JudgeInput&);
};

// The table, in the order the checkers run (sharper diagnoses first).
const std::vector<JudgeEntry>& JudgeTable();

// The run's verdict: nullopt when every applicable, selected property holds.
std::optional<properties::Violation> Judge(const JudgeInput& in);
// The same, judged by the table's entries for the properties in `only` (empty: all).
std::optional<properties::Violation> JudgeOnly(const JudgeInput& in,
                                               const std::vector<properties::Property>& only);

// Whether the store enforces retention rules in this scenario's configuration (rocksmq's
// time or size rule; natsmq's MaxMsgs, MaxBytes or MaxAge).
bool RocksMqRetentionOn(const JudgeInput& in);
bool NatsLimitsOn(const JudgeInput& in);

}  // namespace mqsim::scenarios
