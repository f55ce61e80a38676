#include "scenarios/judge.h"

#include <algorithm>

#include "faults/fault_points.h"
#include "properties/accounting_checker.h"
#include "properties/delivery_checker.h"
#include "properties/group_checker.h"
#include "properties/refusal_checker.h"
#include "properties/retention_checkers.h"
#include "properties/sequence_checker.h"
#include "properties/space_checker.h"
#include "storage/rocksmq/fault_points.h"
#include "storage/rocksmq/rocksmq_options.h"

namespace mqsim::scenarios {

namespace {

using properties::CheckOptions;
using properties::Property;
using properties::Violation;

bool Always(const JudgeInput&) { return true; }

CheckOptions Options(const JudgeInput& in) {
  return CheckOptions{.retention = RocksMqRetentionOn(in) || NatsLimitsOn(in),
                      .skips = nullptr,
                      .seek_clamps_to_latest = in.type == backends::MqType::kRocksMq ||
                                               in.type == backends::MqType::kNatsMq};
}

// Ids increase; natsmq's, JetStream sequences, also leave no number out.
std::optional<Violation> Ordering(const JudgeInput& in) {
  if (auto v = properties::CheckOrdering(in.history)) return v;
  if (in.type != backends::MqType::kNatsMq) return std::nullopt;
  return properties::CheckDenseSequences(in.history);
}
std::optional<Violation> NoResurrection(const JudgeInput& in) {
  return properties::CheckNoResurrection(in.history);
}
// A page's ack record can fail to be written: its fault point is armed, or the disk can
// run full. The reopen after such a failure acks by the groups' positions then.
bool AckWritesMayFail(const faults::FaultPlan& plan) {
  if (plan.can_fill_disk()) return true;
  for (const std::string& pattern : plan.fiu_points) {
    for (const std::string& p : faults::FaultPoints::Match(pattern)) {
      if (p == rocksmq::points::kAckWrite) return true;
    }
  }
  return false;
}

properties::RetentionBounds Bounds(const JudgeInput& in) {
  const rocksmq::RocksMqOptions& r = in.scenario.config.rocksmq;
  properties::RetentionBounds b;
  if (r.retention_time_minutes >= 0) {
    b.time = sim::Duration::Nanos(static_cast<int64_t>(r.retention_time_minutes * 60e9));
  }
  b.size_bytes = r.retention_size_mb >= 0 ? static_cast<int64_t>(r.retention_size_mb) << 20 : -1;
  b.page_bytes = r.page_size_bytes;
  b.tick = sim::Duration::Seconds(r.ticker_interval_s);
  b.slack = in.lateness;
  // BUGGIFY may cut a retention pass to one page (never two in a row): one tick later.
  if (in.plan.buggify) b.slack += b.tick;
  b.ack_writes_may_fail = AckWritesMayFail(in.plan);
  return b;
}

// Under rocksmq retention a skipped message is judged against the retention model; NATS
// limits may evict any message, so there the gap rules stop at what was retained.
std::optional<Violation> NoGapsAndSeeks(const JudgeInput& in) {
  if (RocksMqRetentionOn(in)) return properties::CheckNoGapUnderRetention(in.history, Bounds(in));
  return properties::CheckNoGapsAndSeeks(in.history, Options(in));
}
std::optional<Violation> Latest(const JudgeInput& in) {
  if (RocksMqRetentionOn(in)) return properties::CheckLatestUnderRetention(in.history, Bounds(in));
  return properties::CheckLatest(in.history, Options(in));
}
std::optional<Violation> Durability(const JudgeInput& in) {
  return properties::CheckDurability(in.history, Options(in));
}
// What natsmq counts for a message of `topic` (Milvus publishes without headers): JetStream's
// stored size, for MaxBytes and for the stream's byte count.
uint64_t NatsStoredBytes(const std::string& topic, uint64_t payload) {
  return properties::JetStreamStoredBytes(topic.size(), 0, payload);
}

// Stores that keep bookkeeping record it with each full read.
std::optional<Violation> PageAccounting(const JudgeInput& in) {
  properties::AccountingOptions o;
  if (in.type == backends::MqType::kNatsMq) o.stored_bytes = NatsStoredBytes;
  return properties::CheckPageAccounting(in.history, o);
}

// A reading push consumer gets every message within the faults' delivery lateness + its 1 s
// poll.
// natsmq bounds a subscriber's buffer by maxPending bytes and cuts off a slower one.
std::optional<Violation> DeliveryLiveness(const JudgeInput& in) {
  std::optional<uint64_t> max_pending;
  if (in.type == backends::MqType::kNatsMq) {
    max_pending = static_cast<uint64_t>(in.scenario.config.natsmq.max_pending_bytes);
  }
  return properties::CheckDeliveryLiveness(
      in.history, in.delivery_lateness + sim::Duration::Seconds(2), max_pending);
}

std::optional<Violation> GroupsKept(const JudgeInput& in) {
  return properties::CheckGroupsKept(in.history);
}

// Judged where the store reports its files: per topic (natsmq) at every full read, shared
// by all topics (rocksmq) right after each compaction pass.
std::optional<Violation> DiskSpace(const JudgeInput& in) {
  return properties::CheckDiskSpace(in.history);
}

// rocksmq refuses calls only while it reopens after a failed write; a disk of fixed size
// may stay full for good, and then refusals need no cause.
bool RefusalsJudged(const JudgeInput& in) {
  return in.refusal_causes != nullptr && in.type == backends::MqType::kRocksMq &&
         in.plan.disk_capacity_bytes == UINT64_MAX;
}

// A cause may end up to one reopen backoff (16 s) before the refusals it explains, plus
// what can stretch the reopen that ends them: a stalled sync and a GC pause.
std::optional<Violation> RefusalsExplained(const JudgeInput& in) {
  const sim::Duration bound = sim::Duration::Millis(rocksmq::kMaxReopenBackoffMs) +
                              sim::Duration::Seconds(1) + in.plan.latency.sync.stall +
                              in.plan.gc_pause_max + in.plan.go_gc.pause_max;
  return properties::CheckRefusalsExplained(in.history, *in.refusal_causes, bound);
}

std::optional<Violation> Retention(const JudgeInput& in) {
  return properties::CheckRetention(in.history, Bounds(in));
}

std::optional<Violation> NatsLimits(const JudgeInput& in) {
  const natsmq::NatsMqOptions& n = in.scenario.config.natsmq;
  properties::NatsLimits l;
  l.max_msgs = n.retention_max_msgs.value_or(-1);
  l.max_bytes = n.retention_max_bytes.value_or(-1);
  if (n.retention_max_age_minutes && *n.retention_max_age_minutes > 0) {
    l.max_age = sim::Duration::Minutes(*n.retention_max_age_minutes);
  }
  l.slack = in.lateness;
  l.size_of = NatsStoredBytes;
  return properties::CheckNatsLimits(in.history, l);
}

}  // namespace

bool RocksMqRetentionOn(const JudgeInput& in) { return in.scenario.RocksMqRetentionOn(in.type); }

bool NatsLimitsOn(const JudgeInput& in) { return in.scenario.NatsLimitsOn(in.type); }

const std::vector<JudgeEntry>& JudgeTable() {
  static const std::vector<JudgeEntry> table = {
      {Property::kOrdering, Always, Ordering},
      // Before the gap rules: a group the store lost is the sharper diagnosis.
      {Property::kGroupsKept, Always, GroupsKept},
      // Before latest: a resurrected message is the sharper diagnosis.
      {Property::kNoResurrection, Always, NoResurrection},
      // Before no_gap: a promised message lost at a power loss is also a gap for every
      // group that was owed it, but durability is what failed.
      {Property::kDurability, Always, Durability},
      {Property::kNoGap, Always, NoGapsAndSeeks},
      {Property::kLatest, Always, Latest},
      {Property::kPageAccounting, Always, PageAccounting},
      {Property::kDiskSpace, Always, DiskSpace},
      {Property::kDeliveryLiveness, Always, DeliveryLiveness},
      {Property::kRetention, RocksMqRetentionOn, Retention},
      {Property::kNatsLimits, NatsLimitsOn, NatsLimits},
      {Property::kRecovery, RefusalsJudged, RefusalsExplained},
  };
  return table;
}

std::optional<Violation> Judge(const JudgeInput& in) {
  // An engine that would have crashed the process (a Go panic in Milvus) fails the run.
  if (!in.panic.empty() && in.scenario.Checks(Property::kNoPanic)) {
    return Violation{Property::kNoPanic, in.panic, {}};
  }
  return JudgeOnly(in, {});
}

std::optional<Violation> JudgeOnly(const JudgeInput& in, const std::vector<Property>& only) {
  for (const JudgeEntry& e : JudgeTable()) {
    if (!only.empty() && std::find(only.begin(), only.end(), e.property) == only.end()) continue;
    if (!e.applies(in)) continue;
    // A checker may report a neighbouring property (no_gap or seek): the violation's own
    // property decides whether the scenario asked for it.
    std::optional<Violation> v = e.check(in);
    if (v && in.scenario.Checks(v->property)) return v;
  }
  return std::nullopt;
}

}  // namespace mqsim::scenarios
