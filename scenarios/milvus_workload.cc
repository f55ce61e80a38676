#include "scenarios/milvus_workload.h"

#include "base/bug_modes.h"
#include "faults/fault_injector.h"
#include "properties/milvus_checks.h"
#include "sim/stream_names.h"

namespace mqsim::scenarios {

using properties::EventKind;
using properties::HistoryEvent;
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
          &harness.sim(), PathOptions(harness.scenario()), &harness.history())),
      ignore_bad_position_(harness.scenario().config.mq.ignore_bad_position) {}

MilvusWorkload::~MilvusWorkload() = default;

std::optional<Violation> MilvusWorkload::Setup() {
  if (absl::Status s = path_->Start(&h_.store(), ignore_bad_position_); !s.ok()) {
    return Violation{Property::kStartup, std::string(s.message()), {}};
  }
  started_once_ = true;
  return std::nullopt;
}

// The operator's steps one after the other, each at its moment or when the one before it
// is done (a FlushAll waited for).
sim::Task<void> MilvusWorkload::Operator(sim::Time start) {
  sim::Scheduler& s = h_.scheduler();
  const MilvusSpec& m = sc_.workload.milvus;
  sim::Random rng = h_.sim().Stream(sim::streams::kOperator);
  const std::vector<sim::Duration> moments = m.Moments(rng);
  for (size_t i = 0; i < m.steps.size(); ++i) {
    if (s.now() < start + moments[i]) co_await s.SleepUntil(start + moments[i]);
    const OperatorStep& step = m.steps[i];
    h_.sim().trace().Event("operator.step").Kv("do", std::string(Name(step.action)));
    const std::optional<int64_t> flush_ts = Do(step);
    if (!flush_ts || !step.wait) continue;
    while (!path_->FlushAllComplete(*flush_ts)) co_await s.SleepFor(sim::Duration::Seconds(1));
  }
}

std::optional<int64_t> MilvusWorkload::Do(const OperatorStep& step) {
  switch (step.action) {
    case OperatorAction::kFlushAll:
      // Bug mode switch_without_flush: the operator goes straight to the switch.
      if (MQSIM_BUG(kSwitchWithoutFlush)) return std::nullopt;
      path_->StopWrites();  // the operator stops ingestion, then flushes
      return path_->FlushAll();
    case OperatorAction::kIngest:
      path_->ResumeWrites();
      return std::nullopt;
    case OperatorAction::kStop:
      StopMilvus();
      return std::nullopt;
    case OperatorAction::kSwitch:
    case OperatorAction::kUpgrade: {
      StopMilvus();
      const bool switches = *step.to != h_.store().type();
      if (step.config) ignore_bad_position_ = step.config->mq.ignore_bad_position;
      h_.store().Reconfigure(*step.to, h_.StoreConfig(step.config ? *step.config : sc_.config));
      if (switches) {
        path_->RecordSwitch(*step.to);
        switch_pending_ = true;
      }
      StartMilvus();
      return std::nullopt;
    }
    case OperatorAction::kRestart:
      StopMilvus();
      StartMilvus();
      return std::nullopt;
    case OperatorAction::kStart:
      StartMilvus();
      return std::nullopt;
  }
  return std::nullopt;
}

void MilvusWorkload::StopMilvus() {
  want_up_ = false;
  h_.target().set_held(true);
  if (path_->running()) path_->Stop();
  if (h_.store().up()) {
    if (absl::Status s = h_.store().Close(); !s.ok()) {
      h_.sim().trace().Event("milvus.stop_error").Kv("error", std::string(s.message()));
    }
  }
  h_.sim().trace().Event("milvus.stopped");
}

void MilvusWorkload::StartMilvus() {
  want_up_ = true;
  h_.target().set_held(false);
  if (TryStart() || retry_pending_) return;
  retry_pending_ = true;
  h_.scheduler().CallAfter(
      sim::Duration::Seconds(1), "operator.start_again",
      [this] {
        retry_pending_ = false;
        if (want_up_) StartMilvus();
      },
      faults::kFaultProcess);
}

bool MilvusWorkload::TryStart() {
  if (failed_) return false;
  if (!h_.store().up()) {
    if (absl::Status s = h_.store().Open(); !s.ok()) {
      h_.store().Crash(std::nullopt);  // a failed start leaves nothing running
      h_.sim().trace().Event("milvus.start_failed").Kv("error", std::string(s.message()));
      return false;
    }
  }
  if (!path_->running()) StartPath();
  return path_->running();
}

// A refused checkpoint (S3) ends the run; any other failure (a full disk, say) is a start
// that did not succeed, tried again.
void MilvusWorkload::StartPath() {
  if (started_once_)
    h_.history().Add(HistoryEvent{.time_ns = h_.Now(), .kind = EventKind::kRecover});
  started_once_ = true;
  const absl::Status s = path_->Start(&h_.store(), ignore_bad_position_);
  if (s.ok()) {
    switch_pending_ = false;
    return;
  }
  if (absl::IsFailedPrecondition(s)) {
    failed_ = Violation{
        switch_pending_ ? Property::kSwitch : Property::kStartup, std::string(s.message()), {}};
    h_.scheduler().Stop();
    return;
  }
  h_.sim().trace().Event("milvus.start_failed").Kv("error", std::string(s.message()));
}

void MilvusWorkload::Crashed() { path_->Crashed(); }

void MilvusWorkload::Started() {
  if (want_up_ && !path_->running()) StartPath();
}

std::optional<Violation> MilvusWorkload::Start() {
  sim::Scheduler& s = h_.scheduler();
  const sim::Time start = h_.sim().now();
  const sim::TaskHandle op = s.Spawn(
      "milvus.operator", [this, start] { return Operator(start); },
      sim::SpawnOptions{.process = faults::kFaultProcess, .daemon = true});
  s.RunUntil(start + sc_.duration);
  s.Cancel(op.id);  // a step still waiting for its moment is not taken
  return failed_;
}

// After the faults: Milvus up again, ingestion stopped, and a FlushAll that completes.
std::optional<Violation> MilvusWorkload::FinalFlush() {
  sim::Scheduler& s = h_.scheduler();
  want_up_ = true;
  h_.target().set_held(false);
  for (int i = 0; i < 60 && !TryStart() && !failed_; ++i) s.RunFor(sim::Duration::Seconds(1));
  if (failed_) return failed_;
  if (!path_->running()) {
    return Violation{
        Property::kRecovery, "Milvus does not start within a minute after the run", {}};
  }
  path_->StopWrites();
  const int64_t ts = path_->FlushAll();
  for (int i = 0; i < 120 && !path_->FlushAllComplete(ts); ++i) s.RunFor(sim::Duration::Seconds(1));
  path_->Stop();
  flush_completed_ = path_->FlushAllComplete(ts);
  return std::nullopt;
}

// As the data path's run ends.
void MilvusWorkload::Stop() { path_.reset(); }

std::optional<Violation> MilvusWorkload::Check() {
  if (auto v = FinalFlush()) return v;
  absl::StatusOr<properties::RowAudit> audit = properties::AuditRows(*path_, h_.history());
  if (!audit.ok())
    return Violation{Property::kFlushedRows, std::string(audit.status().message()), {}};
  // The most direct diagnosis first: a silent foreign resume, then rows a switch lost, then
  // rows a replaced position skipped, then any other loss.
  const bool switched = sc_.workload.milvus.Switches();
  const bool foreign = switched && sc_.Checks(Property::kForeignPosition);
  if (foreign && !path_->foreign_resumes().empty()) {
    return properties::CheckForeignPositions(*path_, *audit);
  }
  if (switched && sc_.Checks(Property::kFlushBeforeSwitch)) {
    if (auto v = properties::CheckFlushBeforeSwitch(*audit)) return v;
  }
  if (foreign) {
    if (auto v = properties::CheckForeignPositions(*path_, *audit)) return v;
  }
  if (sc_.Checks(Property::kFlushedRows)) {
    if (auto v = properties::CheckFlushedRows(*path_, *audit)) return v;
  }
  if (!flush_completed_) {
    return Violation{
        Property::kFlushedRows, "the final FlushAll did not complete within 2 minutes", {}};
  }
  if (auto v = properties::CheckOrdering(h_.history()); v && sc_.Checks(Property::kOrdering)) {
    return v;
  }
  return std::nullopt;
}

}  // namespace mqsim::scenarios
