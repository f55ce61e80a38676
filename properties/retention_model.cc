#include "properties/retention_model.h"

#include <algorithm>
#include <iterator>

#include "base/assert.h"

namespace mqsim::properties {

// ----------------------------------------------------------------------------- FirstPasses

void FirstPasses::Emplace(MessageId id, int64_t t_ns) {
  if (at_.empty() || id > at_.back().first) {
    at_.emplace_back(id, t_ns);
    return;
  }
  auto it = LowerBound(id);
  if (it == at_.end() || it->first != id) at_.insert(it, {id, t_ns});
}

const int64_t* FirstPasses::Find(MessageId id) const {
  auto it = LowerBound(id);
  return it != at_.end() && it->first == id ? &it->second : nullptr;
}

void FirstPasses::EraseFrom(MessageId id) { at_.erase(LowerBound(id), at_.end()); }

std::vector<FirstPasses::Pass>::const_iterator FirstPasses::LowerBound(MessageId id) const {
  return std::lower_bound(at_.begin(), at_.end(), id,
                          [](const Pass& p, MessageId v) { return p.first < v; });
}

// ------------------------------------------------------------------------------- ByteIndex

void ByteIndex::Add(MessageId id, uint64_t bytes) {
  if (stale_ || (!ids_.empty() && id <= ids_.back())) {
    stale_ = true;
    return;
  }
  ids_.push_back(id);
  sums_.push_back((sums_.empty() ? 0 : sums_.back()) + static_cast<int64_t>(bytes));
}

std::optional<MessageId> ByteIndex::PageBeyond(const AckedIndex& acked, const History& h,
                                               MessageId from, int64_t page_bytes) {
  if (stale_) Rebuild(acked, h);
  MQSIM_ASSERT(ids_.size() == sums_.size());
  const size_t i =
      static_cast<size_t>(std::lower_bound(ids_.begin(), ids_.end(), from) - ids_.begin());
  if (i >= ids_.size()) return std::nullopt;
  auto k = std::upper_bound(sums_.begin() + static_cast<std::ptrdiff_t>(i) + 1, sums_.end(),
                            sums_[i] + page_bytes);
  if (k == sums_.end() || std::next(k) == sums_.end()) return std::nullopt;
  return ids_[static_cast<size_t>(k - sums_.begin()) + 1];
}

void ByteIndex::Rebuild(const AckedIndex& acked, const History& h) {
  ids_.clear();
  sums_.clear();
  stale_ = false;
  for (const AckedIndex::Entry& a : acked) Add(a.id, h.events()[a.event].bytes);
}

// -------------------------------------------------------------------------------- Downtime

void Downtime::Crash(int64_t t_ns) {
  if (down_since_ns_ == INT64_MIN) down_since_ns_ = t_ns;
}

void Downtime::Recover(int64_t t_ns) {
  if (down_since_ns_ != INT64_MIN) down_.emplace_back(down_since_ns_, t_ns);
  down_since_ns_ = INT64_MIN;
}

int64_t Downtime::ExtensionNs(int64_t from_ns, int64_t to_ns, int64_t tick_ns) const {
  int64_t extra = 0;
  for (const auto& [crash, recover] : down_) {
    const int64_t lo = std::max(crash, from_ns), hi = std::min(recover, to_ns);
    if (hi > lo) extra += (hi - lo) + tick_ns;
  }
  return extra;
}

// -------------------------------------------------------------------------- RetentionModel

namespace {

// The latest of every group's first pass over `id` (by `passes`), or nullopt if some group
// has not passed it or there is no group.
std::optional<int64_t> EveryGroupPassedNs(const RetentionTopic& t,
                                          FirstPasses GroupProgress::*passes, MessageId id) {
  if (t.groups.empty()) return std::nullopt;
  int64_t latest = INT64_MIN;
  for (const auto& [name, g] : t.groups) {
    const int64_t* p = (g.*passes).Find(id);
    if (p == nullptr) return std::nullopt;
    latest = std::max(latest, *p);
  }
  return latest;
}

}  // namespace

std::optional<int64_t> RetentionModel::PassedByEveryGroupNs(const Topic& t, MessageId id) const {
  return EveryGroupPassedNs(t.state, &GroupProgress::passed, id);
}

std::optional<int64_t> RetentionModel::AcknowledgedNs(const Topic& t, MessageId id) const {
  const std::optional<int64_t> passed = PassedByEveryGroupNs(t, id);
  const auto& floors = t.state.floors;
  auto above = std::upper_bound(floors.begin(), floors.end(), id,
                                [](MessageId v, const auto& f) { return v < f.first; });
  if (above == floors.end()) return passed;
  return passed ? std::min(*passed, above->second) : above->second;
}

MessageId RetentionModel::LowestPosition(const Topic& t) {
  MQSIM_ASSERT(!t.state.groups.empty());
  MessageId lowest = INT64_MAX;
  for (const auto& [name, g] : t.state.groups) lowest = std::min(lowest, g.position);
  return lowest;
}

void RetentionModel::RaiseFloor(Topic& t, int64_t t_ns) {
  if (t.state.groups.empty()) return;  // a topic without groups acknowledges nothing
  const MessageId lowest = LowestPosition(t);
  auto& floors = t.state.floors;
  if (floors.empty() || lowest > floors.back().first) floors.emplace_back(lowest, t_ns);
}

std::optional<RetentionModel::Due> RetentionModel::DueBy(Topic& t, MessageId id, int64_t now_ns) {
  const std::optional<MessageId> beyond =
      t.state.bytes.PageBeyond(t.acked, walker_.history(), id, bounds_.page_bytes);
  if (!beyond) return std::nullopt;
  const std::optional<int64_t> read_ns =
      EveryGroupPassedNs(t.state, &GroupProgress::repassed, *beyond);
  if (!read_ns) return std::nullopt;
  int64_t at_ns = *read_ns + bounds_.time_ns() + bounds_.tick_ns() + bounds_.slack_ns();
  at_ns += downtime_.ExtensionNs(*read_ns, now_ns, bounds_.tick_ns());
  return Due{*beyond, *read_ns, at_ns};
}

void RetentionModel::Apply(const HistoryEvent& e) {
  switch (e.kind) {
    case EventKind::kCrash:
      downtime_.Crash(e.time_ns);
      break;
    case EventKind::kRecover:
      downtime_.Recover(e.time_ns);
      break;
    case EventKind::kRetention:
      last_retention_ns_ = e.time_ns;
      break;
    case EventKind::kPowerLoss:
      for (auto& [name, t] : walker_.topics()) {
        for (auto& [group, g] : t.state.groups) g.repassed.Clear();
      }
      break;
    case EventKind::kProduce:
      if (e.ok) walker_.topic(e.topic).state.bytes.Add(e.id, e.bytes);
      break;
    case EventKind::kReadAll: {
      // The judges found everything below the first id read rightly retained. An empty read
      // excuses some messages only for now.
      if (!e.ok || e.messages.empty()) break;
      Topic& t = walker_.topic(e.topic);
      auto end = t.acked.LowerBound(e.messages.front().id);
      if (end != t.acked.begin()) {
        t.state.judged_below = std::max(t.state.judged_below, std::prev(end)->id + 1);
      }
      break;
    }
    case EventKind::kCreateGroup:
    case EventKind::kDestroyGroup:
    case EventKind::kConsume:
    case EventKind::kSeek:
    case EventKind::kSeekToLatest:
      ApplyToGroup(e);
      RaiseFloor(walker_.topic(e.topic), e.time_ns);
      break;
    default:
      break;
  }
}

void RetentionModel::ApplyToGroup(const HistoryEvent& e) {
  Topic& t = walker_.topic(e.topic);
  auto& groups = t.state.groups;
  if (e.kind == EventKind::kCreateGroup && e.ok) {
    // A (re-)created group starts at the earliest message and holds acks back until it
    // moves: liveness runs from its passes from now on.
    GroupProgress& g = groups[e.group];
    g.position = 0;
    g.repassed.Clear();
    t.state.judged_below = 0;
  } else if (e.kind == EventKind::kDestroyGroup && e.ok) {
    t.state.judged_below = 0;
    groups.erase(e.group);
  } else if (e.kind == EventKind::kDestroyGroup) {
    // A failed destroy may or may not have happened (a store can fail after removing the
    // group): the group stays, for the bounds that wait for it, and the floor rises as if
    // it had gone, for the ones that must not.
    t.state.judged_below = 0;
    auto node = groups.extract(e.group);
    RaiseFloor(t, e.time_ns);
    if (node) groups.insert(std::move(node));
  }
  auto g = groups.find(e.group);
  if (!e.ok || g == groups.end()) return;
  if (e.kind == EventKind::kConsume && !e.messages.empty()) {
    Advance(t, g->second, e.messages.back().id + 1, e.time_ns);
  } else if (e.kind == EventKind::kSeekToLatest) {
    Advance(t, g->second, t.acked.empty() ? 0 : t.acked.back().id + 1, e.time_ns);
  } else if (e.kind == EventKind::kSeek && e.id > g->second.position) {
    Advance(t, g->second, e.id, e.time_ns);
  } else if (e.kind == EventKind::kSeek) {
    // Backwards: what it read stays read (never-early uses first passes), but pages not
    // yet acked wait for it again (the engine acks by current positions). Below the lowest
    // position of all groups before the seek every closed page was acked already, and an
    // ack time is set once, unless its write may have failed and been redone on reopen.
    MessageId keep = e.id;
    if (!bounds_.ack_writes_may_fail) keep = std::max(keep, LowestPosition(t));
    g->second.position = e.id;
    g->second.repassed.EraseFrom(keep);
  }
}

void RetentionModel::Advance(Topic& t, GroupProgress& g, MessageId next, int64_t t_ns) {
  for (auto it = t.acked.LowerBound(g.position); it != t.acked.end() && it->id < next; ++it) {
    g.passed.Emplace(it->id, t_ns);
    g.repassed.Emplace(it->id, t_ns);
  }
  g.position = next;
}

}  // namespace mqsim::properties
