#include "scenarios/milvus_workload.h"

#include "base/bug_modes.h"
#include "faults/fault_injector.h"

namespace mqsim::scenarios {

using properties::Property;
using properties::Violation;

namespace {

properties::DataPathOptions PathOptions(const Scenario& sc) {
  properties::DataPathOptions o;
  o.channels = sc.workload.topics;
  o.channel_prefix = sc.config.channels.DmlPrefix();
  o.flush_every = sc.workload.milvus.flush_interval;
  return o;
}

}  // namespace

MilvusWorkload::MilvusWorkload(Harness& harness)
    : h_(harness),
      sc_(harness.scenario()),
      path_(std::make_unique<properties::MilvusDataPath>(
          &harness.sim(), PathOptions(harness.scenario()), &harness.history())) {}

MilvusWorkload::~MilvusWorkload() = default;

std::optional<Violation> MilvusWorkload::Setup() {
  if (absl::Status s = path_->Start(&h_.store(), sc_.config.mq.ignore_bad_position); !s.ok()) {
    return Violation{Property::kStartup, std::string(s.message()), {}};
  }
  return std::nullopt;
}

void MilvusWorkload::ScheduleOperator(sim::Time start) {
  const MilvusSpec& m = sc_.workload.milvus;
  sim::Scheduler& s = h_.scheduler();
  if (m.flush_all_at) {
    s.CallAt(
        start + *m.flush_all_at, "operator.flush_all",
        [this] {
          // Bug mode switch_without_flush: the operator goes straight to the switch.
          if (MQSIM_BUG(kSwitchWithoutFlush)) return;
          path_->StopWrites();  // the operator stops ingestion, then flushes
          (void)path_->FlushAll();
        },
        faults::kFaultProcess);
  }
  if (m.switch_at) {
    s.CallAt(
        start + *m.switch_at, "operator.switch",
        [this, &m, &s] {
          next_store_ = h_.MakeStore(*m.switch_to, 2, "/data2");
          switched_at_ = h_.sim().now();
          const bool ignore = sc_.config.mq.ignore_bad_position;
          if (absl::Status st = path_->SwitchTo(next_store_.get(), ignore); !st.ok()) {
            failed_ = Violation{Property::kSwitch, std::string(st.message()), {}};
            s.Stop();
          }
        },
        faults::kFaultProcess);
  }
}

std::optional<Violation> MilvusWorkload::Start() {
  sim::Scheduler& s = h_.scheduler();
  const sim::Time start = h_.sim().now();
  ScheduleOperator(start);
  s.RunUntil(start + sc_.duration);
  if (failed_) return failed_;
  path_->StopWrites();
  const int64_t ts = path_->FlushAll();
  for (int i = 0; i < 120 && !path_->FlushAllComplete(ts); ++i) s.RunFor(sim::Duration::Seconds(1));
  path_->Stop();
  flush_completed_ = path_->FlushAllComplete(ts);
  return std::nullopt;
}

// As the data path's run ends: the second store first, then the data path.
void MilvusWorkload::Stop() {
  next_store_.reset();
  path_.reset();
}

std::optional<Violation> MilvusWorkload::Check() {
  if (switched_at_ && sc_.Checks(Property::kForeignPosition)) {
    if (auto v = properties::CheckForeignPositions(*path_)) return v;
  }
  if (switched_at_ && sc_.Checks(Property::kFlushBeforeSwitch)) {
    if (auto v = properties::CheckFlushBeforeSwitch(*path_, *switched_at_)) return v;
  }
  if (!flush_completed_) {
    return Violation{
        Property::kFlushBeforeSwitch, "the final FlushAll did not complete within 2 minutes", {}};
  }
  if (auto v = properties::CheckOrdering(h_.history()); v && sc_.Checks(Property::kOrdering)) {
    return v;
  }
  return std::nullopt;
}

}  // namespace mqsim::scenarios
