#include "properties/retention_checkers.h"

#include <absl/status/status.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "base/assert.h"
#include "properties/produced_payloads.h"
#include "properties/retention_model.h"
#include "properties/topic_walker.h"

namespace mqsim::properties {

namespace {

// The first id a read holds (reads are in id order), or INT64_MAX if it holds none.
MessageId FirstIdRead(const HistoryEvent& read) {
  return read.messages.empty() ? INT64_MAX : read.messages.front().id;
}

bool Holds(const HistoryEvent& read, MessageId id) {
  bool present = false;
  for (const SeenMessage& m : read.messages) present = present || m.id == id;
  return present;
}

// ------------------------------------------------------------------------------ retention

// Whether the size rule can explain deletions below what read-all e holds: it deletes a
// page only while the acknowledged bytes left without it exceed size_bytes, so right after
// the last pass that deleted by size more than size_bytes were left acknowledged. Those
// bytes are at most the bytes e holds that every group had passed by the last retention
// pass before e (a page is acknowledged only once every group passed all of it; its bytes
// are its messages' bytes; what was acknowledged after that pass deleted nothing).
bool SizeRuleCanExplain(const RetentionModel& model, const RetentionModel::Topic& t,
                        const HistoryEvent& e) {
  const int64_t limit = model.bounds().size_bytes;
  if (limit < 0) return false;
  const int64_t cutoff_ns = std::min(e.time_ns, model.last_retention_ns().value_or(e.time_ns));
  int64_t acked_bytes = 0;
  for (const SeenMessage& m : e.messages) {
    const std::optional<int64_t> acked_ns = model.AcknowledgedNs(t, m.id);
    if (acked_ns && *acked_ns <= cutoff_ns) acked_bytes += static_cast<int64_t>(m.bytes);
    if (acked_bytes > limit) return true;
  }
  return false;
}

std::string EarlyDetail(const RetentionBounds& b, const HistoryEvent& e, MessageId id,
                        int64_t passed_ns) {
  std::string why;
  if (b.time_ns() >= 0) {
    why = std::to_string((passed_ns + b.time_ns() - e.time_ns) / 1'000'000) +
          " ms before its retention time ran out";
  }
  if (b.size_bytes >= 0) {
    why += std::string(why.empty() ? "" : ", and ") +
           "with no more acknowledged bytes left than retentionSizeInMB allows (" +
           std::to_string(b.size_bytes) + ")";
  }
  return "topic " + e.topic + ": id " + std::to_string(id) + " was deleted " + why;
}

// Never early: every acknowledged message below the first one a read-all holds was deleted
// only once every group had passed it, and only when a rule allows it: the time rule,
// retention_time after every group passed it; or the size rule, with more acknowledged
// bytes left than size_bytes. Messages a power loss may have taken are not judged.
std::optional<Violation> JudgeNeverEarly(const RetentionModel& model,
                                         const RetentionModel::Topic& t, size_t i,
                                         const HistoryEvent& e) {
  const RetentionBounds& b = model.bounds();
  const MessageId first = FirstIdRead(e);
  std::optional<bool> size_explains;  // computed at the first deletion the time rule cannot
  for (auto it = t.acked.LowerBound(t.state.judged_below); it != t.acked.end() && it->id < first;
       ++it) {
    const HistoryEvent& produce = model.event(it->event);
    if (!model.Promised(produce)) continue;  // lost, not retained
    if (e.messages.empty() && produce.time_ns <= model.last_power_loss_ns()) continue;
    const std::optional<int64_t> passed_ns = model.AcknowledgedNs(t, it->id);
    if (!passed_ns) {
      return Violation{Property::kRetention,
                       "topic " + e.topic + ": id " + std::to_string(it->id) +
                           " was deleted before every consumer group had read it",
                       {it->event, i}};
    }
    if (b.time_ns() >= 0 && *passed_ns + b.time_ns() <= e.time_ns) continue;  // time rule
    if (!size_explains) size_explains = SizeRuleCanExplain(model, t, e);
    if (*size_explains) continue;
    return Violation{Property::kRetention, EarlyDetail(b, e, it->id, *passed_ns), {it->event, i}};
  }
  return std::nullopt;
}

// Never late (time rule): a message whose page was certainly closed and passed by every
// group long enough ago is gone. The oldest acknowledged message at or above the first one
// read decides: later ones are due later.
std::optional<Violation> JudgeNeverLate(RetentionModel& model, RetentionModel::Topic& t, size_t i,
                                        const HistoryEvent& e) {
  if (model.bounds().time_ns() < 0 || t.state.groups.empty()) return std::nullopt;
  auto oldest = t.acked.LowerBound(FirstIdRead(e));
  if (oldest == t.acked.end()) return std::nullopt;
  const std::optional<RetentionModel::Due> due = model.DueBy(t, oldest->id, e.time_ns);
  if (!due || due->at_ns >= e.time_ns || !Holds(e, oldest->id)) return std::nullopt;
  return Violation{Property::kRetention,
                   "topic " + e.topic + ": id " + std::to_string(oldest->id) + " is still there " +
                       std::to_string((e.time_ns - due->at_ns) / 1'000'000) +
                       " ms after it was due to be retained (every group had read id " +
                       std::to_string(due->beyond) + ", a page beyond it, at t=" +
                       std::to_string(due->read_ns / 1'000'000) + "ms)",
                   {oldest->event, i}};
}

// -------------------------------------------------------------------------- no resurrection

struct ResurrectionTopic {
  // The first id seen by the latest read-all that raised it, and that read-all. A power
  // loss may drop the deletion record of an unsynced eviction, so it forgets the floor:
  // floors are only promises once re-observed.
  std::optional<std::pair<MessageId, size_t>> floor;
  ProducedPayloads live;  // this incarnation's payloads, acknowledged or not
  // Removed by a Purge or DeleteMessage that returned ok (durable then, power loss or not):
  // every id below purged_below, and the ids in deleted, each with the event that removed it.
  MessageId purged_below = 0;
  size_t purge_event = 0;
  std::map<MessageId, size_t> deleted;
  MessageId highest = 0;  // the highest id acknowledged or read
};
using ResurrectionWalker = TopicWalker<ResurrectionTopic>;
// Per topic name, the payload digests of its destroyed incarnations.
using Destroyed = std::map<std::string, std::unordered_set<uint64_t>>;

// A message a successful Purge or DeleteMessage removed.
std::optional<Violation> JudgeRemoved(const ResurrectionTopic& t, const SeenMessage& m, size_t i,
                                      const HistoryEvent& e) {
  auto deleted = t.deleted.find(m.id);
  if (m.id >= t.purged_below && deleted == t.deleted.end()) return std::nullopt;
  const bool purged = m.id < t.purged_below;
  return Violation{Property::kNoResurrection,
                   "topic " + e.topic + ": id " + std::to_string(m.id) + " came back after " +
                       (purged ? "a purge" : "its delete") + " returned ok",
                   {purged ? t.purge_event : deleted->second, i}};
}

std::optional<Violation> JudgeResurrection(ResurrectionWalker::Topic& t, const Destroyed& destroyed,
                                           size_t i, const HistoryEvent& e) {
  auto gone = destroyed.find(e.topic);
  for (const SeenMessage& m : e.messages) {
    if (auto v = JudgeRemoved(t.state, m, i, e)) return v;
    t.state.highest = std::max(t.state.highest, m.id);
    if (gone != destroyed.end() && gone->second.count(m.digest) != 0 &&
        !t.state.live.Contains(m.digest)) {
      return Violation{Property::kNoResurrection,
                       "topic " + e.topic +
                           ": a message of a destroyed "
                           "incarnation of the topic came back (id " +
                           std::to_string(m.id) + ")",
                       {i}};
    }
    if (t.state.floor && m.id < t.state.floor->first) {
      return Violation{Property::kNoResurrection,
                       "topic " + e.topic + ": id " + std::to_string(m.id) +
                           " came back after the topic was seen to start at " +
                           std::to_string(t.state.floor->first),
                       {t.state.floor->second, i}};
    }
  }
  if (e.kind == EventKind::kReadAll && !e.messages.empty() &&
      (!t.state.floor || FirstIdRead(e) > t.state.floor->first)) {
    t.state.floor = std::make_pair(FirstIdRead(e), i);
  }
  return std::nullopt;
}

// ------------------------------------------------------------------------------ NATS limits

struct NatsTopic {
  // The last publish failed: its eviction may have failed with it (natsmq keeps messages
  // whose eviction marker it could not write, and evicts them at the next attempt).
  bool eviction_pending = false;
  // Every publish that may have stored a message, in order: its event and, in `bytes`, the
  // stored bytes of it and all before it (so the bytes after one publish are a difference).
  std::vector<size_t> publishes;
  std::vector<uint64_t> bytes;
  // Messages published before this event may be gone for a reason no limit gives (a failed
  // DestroyTopic may have deleted part of the stream).
  size_t gone_before = 0;
};
using NatsWalker = TopicWalker<NatsTopic>;

// What may have joined a stream after one publish: the walk's view, for the limits' other
// direction (nothing evicted that no limit demands).
struct NatsGrowth {
  std::vector<size_t> crashes;  // each may hide one stored publish the history never saw
  uint64_t largest = 0;         // the most stored bytes any publish of the run asked for
};

// A publish that may have stored its message: any but one refused as too large.
bool MayHaveStored(const HistoryEvent& e) {
  return e.ok || e.code != static_cast<int>(absl::StatusCode::kInvalidArgument);
}

uint64_t StoredBytes(const NatsLimits& l, const HistoryEvent& produce) {
  return l.size_of ? l.size_of(produce.topic, produce.bytes) : produce.bytes;
}

// The limits' other direction: the youngest acknowledged message gone before what read-all
// e holds went by a limit. MaxAge: it was published at least max_age before e (the store
// stamps a message no earlier than its publish began). MaxMsgs and MaxBytes evict oldest
// first while a limit is exceeded, so when they took it, it and the messages after it were
// over the limit: at most every later publish that may have stored, plus one per crash
// (a publish cut off by it), each at most the largest the run asked for. A message the
// store never promised (unsynced before a power loss) is left to durability.
std::optional<Violation> JudgeEvictedEarly(const NatsWalker::Topic& t, const NatsWalker& w,
                                           const NatsGrowth& growth, const NatsLimits& l, size_t i,
                                           const HistoryEvent& e) {
  auto after_gone = t.acked.LowerBound(FirstIdRead(e));
  if (after_gone == t.acked.begin()) return std::nullopt;
  const AckedIndex::Entry& gone = *std::prev(after_gone);
  const HistoryEvent& p = w.event(gone.event);
  if (gone.event < t.state.gone_before || !w.Promised(p)) return std::nullopt;
  if (l.max_age_ns() > 0 && p.time_ns + l.max_age_ns() <= e.time_ns) return std::nullopt;
  const NatsTopic& s = t.state;
  const size_t at = static_cast<size_t>(
      std::lower_bound(s.publishes.begin(), s.publishes.end(), gone.event) - s.publishes.begin());
  MQSIM_ASSERT(at < s.publishes.size() && s.publishes[at] == gone.event);
  const uint64_t crashes = static_cast<uint64_t>(
      growth.crashes.end() -
      std::upper_bound(growth.crashes.begin(), growth.crashes.end(), gone.event));
  const uint64_t msgs = s.publishes.size() - at + crashes;  // it and every later one
  const uint64_t bytes =
      s.bytes.back() - (at == 0 ? 0 : s.bytes[at - 1]) + crashes * growth.largest;
  if (l.max_msgs > 0 && msgs > static_cast<uint64_t>(l.max_msgs)) return std::nullopt;
  if (l.max_bytes > 0 && bytes > static_cast<uint64_t>(l.max_bytes)) return std::nullopt;
  return Violation{Property::kNatsLimits,
                   "stream " + e.topic + ": acknowledged id " + std::to_string(gone.id) +
                       " is gone, but no limit demanded it: from it on the stream held at most " +
                       std::to_string(msgs) + " messages (MaxMsgs " + std::to_string(l.max_msgs) +
                       ") and " + std::to_string(bytes) + " bytes (MaxBytes " +
                       std::to_string(l.max_bytes) + "), and it was " +
                       std::to_string((e.time_ns - p.time_ns) / 1'000'000) + " ms old (MaxAge " +
                       std::to_string(l.max_age_ns() / 1'000'000) + " ms)",
                   {gone.event, i}};
}

// MaxAge (plus slack) for every message the read-all holds.
std::optional<Violation> JudgeMaxAge(const AckedIndex& acked, const NatsWalker& w,
                                     const NatsLimits& l, size_t i, const HistoryEvent& e);

// MaxMsgs and MaxBytes, unless the last publish failed (its eviction may be pending), then
// MaxAge.
std::optional<Violation> JudgeNatsLimits(const NatsWalker::Topic& t, const NatsWalker& w,
                                         const NatsLimits& l, size_t i, const HistoryEvent& e) {
  const AckedIndex& acked = t.acked;
  if (t.state.eviction_pending) return JudgeMaxAge(acked, w, l, i, e);
  if (l.max_msgs > 0 && static_cast<int64_t>(e.messages.size()) > l.max_msgs) {
    return Violation{Property::kNatsLimits,
                     "stream " + e.topic + " holds " + std::to_string(e.messages.size()) +
                         " messages, MaxMsgs is " + std::to_string(l.max_msgs),
                     {i}};
  }
  uint64_t bytes = 0;
  for (const SeenMessage& m : e.messages) {
    bytes += l.size_of ? l.size_of(e.topic, m.bytes) : m.bytes;
  }
  if (l.max_bytes > 0 && bytes > static_cast<uint64_t>(l.max_bytes)) {
    return Violation{Property::kNatsLimits,
                     "stream " + e.topic + " holds " + std::to_string(bytes) +
                         " bytes, MaxBytes is " + std::to_string(l.max_bytes),
                     {i}};
  }
  return JudgeMaxAge(acked, w, l, i, e);
}

std::optional<Violation> JudgeMaxAge(const AckedIndex& acked, const NatsWalker& w,
                                     const NatsLimits& l, size_t i, const HistoryEvent& e) {
  if (l.max_age_ns() <= 0) return std::nullopt;
  for (const SeenMessage& m : e.messages) {
    const AckedIndex::Entry* p = acked.Find(m.id);
    if (p == nullptr) continue;
    const int64_t produced_ns = w.event(p->event).time_ns;
    if (produced_ns + l.max_age_ns() + l.slack_ns() < e.time_ns) {
      return Violation{Property::kNatsLimits,
                       "stream " + e.topic + ": id " + std::to_string(m.id) + " is " +
                           std::to_string((e.time_ns - produced_ns) / 1'000'000) +
                           " ms old, MaxAge is " + std::to_string(l.max_age_ns() / 1'000'000) +
                           " ms",
                       {p->event, i}};
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Violation> CheckRetention(const History& h, const RetentionBounds& b) {
  if (b.time_ns() < 0 && b.size_bytes < 0) return std::nullopt;
  RetentionModel model(h, b);
  return model.Walk([&](size_t i, const HistoryEvent& read,
                        RetentionModel::Topic& t) -> std::optional<Violation> {
    if (auto v = JudgeNeverEarly(model, t, i, read)) return v;
    return JudgeNeverLate(model, t, i, read);
  });
}

namespace {

// Why retention cannot have taken skip.owed by the time of `read`; empty if it can have.
std::string WhyNotRetained(RetentionModel& model, const RetentionBounds& b, const OwedSkip& skip,
                           const HistoryEvent& read) {
  const std::optional<int64_t> passed = model.AcknowledgedNs(model.topic(read.topic), skip.owed);
  if (!passed) return "not every group had read it";
  const int64_t wait_ns = b.size_bytes >= 0 ? 0 : std::max<int64_t>(b.time_ns(), 0);
  if (*passed + wait_ns <= read.time_ns) return "";
  return "every group had passed it only at " + sim::Duration::Nanos(*passed).ToString() +
         " and the retention time is " + sim::Duration::Nanos(wait_ns).ToString();
}

// The first listed skip (in history order) that retention cannot explain, as a violation
// made by `fail` from the skip and why.
template <typename Fail>
std::optional<Violation> JudgeSkips(const History& h, const RetentionBounds& b,
                                    const std::vector<OwedSkip>& skips, Fail&& fail) {
  if (skips.empty()) return std::nullopt;
  RetentionModel model(h, b);
  size_t next = 0;
  return model.WalkEvery([&](size_t i, const HistoryEvent& e) -> std::optional<Violation> {
    for (; next < skips.size() && skips[next].read == i; ++next) {
      const std::string why = WhyNotRetained(model, b, skips[next], e);
      if (!why.empty()) return fail(skips[next], e, why);
    }
    return std::nullopt;
  });
}

}  // namespace

std::optional<Violation> CheckNoGapUnderRetention(const History& h, const RetentionBounds& b) {
  std::vector<OwedSkip> skips;
  // The retention model is rocksmq's, and so are its seeks: beyond latest, they clamp.
  const CheckOptions o{.retention = true, .skips = &skips, .seek_clamps_to_latest = true};
  if (auto v = CheckNoGapsAndSeeks(h, o)) return v;
  return JudgeSkips(
      h, b, skips, [](const OwedSkip& s, const HistoryEvent& e, const std::string& why) {
        return Violation{s.after_seek ? Property::kSeek : Property::kNoGap,
                         "topic " + e.topic + " group " + e.group + ": expected acknowledged id " +
                             std::to_string(s.owed) + " next, read id " +
                             std::to_string(e.messages.front().id) +
                             "; retention cannot have taken it (" + why + ")",
                         {s.owed_event, s.since, s.read}};
      });
}

std::optional<Violation> CheckLatestUnderRetention(const History& h, const RetentionBounds& b) {
  std::vector<OwedSkip> nones;
  const CheckOptions o{.retention = true, .skips = &nones, .seek_clamps_to_latest = true};
  if (auto v = CheckLatest(h, o)) return v;
  return JudgeSkips(
      h, b, nones, [](const OwedSkip& s, const HistoryEvent& e, const std::string& why) {
        return Violation{Property::kLatest,
                         "topic " + e.topic + " answered no message, but id " +
                             std::to_string(s.owed) +
                             " was acknowledged and retention cannot have taken it (" + why + ")",
                         {s.owed_event, s.read}};
      });
}

std::optional<Violation> CheckNoResurrection(const History& h) {
  ResurrectionWalker w(h);
  Destroyed destroyed;
  return w.Walk([&](size_t i, const HistoryEvent& e) -> std::optional<Violation> {
    switch (e.kind) {
      case EventKind::kSwitch:
        destroyed.clear();
        break;
      case EventKind::kDestroyTopic:
        if (e.ok) {
          const std::vector<uint64_t>& live = w.topic(e.topic).state.live.digests();
          destroyed[e.topic].insert(live.begin(), live.end());
        }
        break;
      case EventKind::kProduce: {
        ResurrectionTopic& t = w.topic(e.topic).state;
        t.live.Add(e.digest);
        if (e.ok) t.highest = std::max(t.highest, e.id);
        break;
      }
      case EventKind::kPurge:
        if (e.ok) {
          ResurrectionTopic& t = w.topic(e.topic).state;
          t.purged_below = t.highest + 1;
          t.purge_event = i;
        }
        break;
      case EventKind::kDeleteMessage:
        if (e.ok) w.topic(e.topic).state.deleted[e.id] = i;
        break;
      case EventKind::kConsume:
      case EventKind::kReadAll:
        if (e.ok) return JudgeResurrection(w.topic(e.topic), destroyed, i, e);
        break;
      case EventKind::kPowerLoss:
        for (auto& [name, t] : w.topics()) t.state.floor.reset();
        break;
      default:
        break;
    }
    return std::nullopt;
  });
}

std::optional<Violation> CheckNatsLimits(const History& h, const NatsLimits& l) {
  NatsWalker w(h);
  NatsGrowth growth;
  for (const HistoryEvent& e : h.events()) {
    if (e.kind == EventKind::kProduce) growth.largest = std::max(growth.largest, StoredBytes(l, e));
  }
  return w.Walk([&](size_t i, const HistoryEvent& e) -> std::optional<Violation> {
    NatsTopic& t = w.topic(e.topic).state;
    switch (e.kind) {
      case EventKind::kProduce:
        t.eviction_pending = !e.ok;
        if (MayHaveStored(e)) {
          t.publishes.push_back(i);
          t.bytes.push_back((t.bytes.empty() ? 0 : t.bytes.back()) + StoredBytes(l, e));
        }
        break;
      case EventKind::kCrash:
        growth.crashes.push_back(i);
        break;
      case EventKind::kDestroyTopic:
        if (!e.ok) t.gone_before = i;
        break;
      case EventKind::kReadAll:
        if (!e.ok) break;
        if (auto v = JudgeNatsLimits(w.topic(e.topic), w, l, i, e)) return v;
        return JudgeEvictedEarly(w.topic(e.topic), w, growth, l, i, e);
      default:
        break;
    }
    return std::nullopt;
  });
}

}  // namespace mqsim::properties
