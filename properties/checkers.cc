#include "properties/checkers.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "base/assert.h"
#include "properties/produced_payloads.h"
#include "properties/topic_walker.h"

namespace mqsim::properties {

namespace {

constexpr MessageId kNone = backends::kNoMessage;

Violation Fail(Property property, std::string detail, std::vector<size_t> events) {
  return Violation{property, std::move(detail), std::move(events)};
}

// ------------------------------------------------------------------------------ ordering

// The payload digest an id was first seen with: acknowledged, or delivered without an
// acknowledgement (an acknowledgement seen later replaces the sighting).
struct Sighting {
  MessageId id;
  uint64_t digest;
  size_t event;
};

struct OrderingTopic {
  MessageId last_acked = kNone;
  size_t last_acked_event = 0;
  std::vector<Sighting> known;  // by id
};
using OrderingWalker = TopicWalker<OrderingTopic>;

bool IdBelow(const Sighting& s, MessageId id) { return s.id < id; }

std::optional<Violation> JudgeAckedId(OrderingTopic& t, size_t i, const HistoryEvent& e) {
  if (t.last_acked != kNone && e.id <= t.last_acked) {
    return Fail(Property::kOrdering,
                "topic " + e.topic + ": acknowledged id " + std::to_string(e.id) +
                    " is not above the previous acknowledged id " + std::to_string(t.last_acked),
                {t.last_acked_event, i});
  }
  t.last_acked = e.id;
  t.last_acked_event = i;
  auto at = t.known.empty() || t.known.back().id < e.id
                ? t.known.end()
                : std::lower_bound(t.known.begin(), t.known.end(), e.id, IdBelow);
  if (at != t.known.end() && at->id == e.id) {
    *at = Sighting{e.id, e.digest, i};  // seen before its acknowledgement
  } else {
    t.known.insert(at, Sighting{e.id, e.digest, i});
  }
  return std::nullopt;
}

std::optional<Violation> JudgeDeliveredIds(OrderingTopic& t, size_t i, const HistoryEvent& e) {
  auto from = t.known.begin();  // a read is in id order: search only above the last hit
  const SeenMessage* previous = nullptr;
  for (const SeenMessage& m : e.messages) {
    if (previous != nullptr && m.id <= previous->id) {
      return Fail(Property::kOrdering,
                  "topic " + e.topic + ": delivered id " + std::to_string(m.id) + " after " +
                      std::to_string(previous->id) + " in one read",
                  {i});
    }
    previous = &m;
    auto p = from != t.known.end() && from->id == m.id
                 ? from
                 : std::lower_bound(from, t.known.end(), m.id, IdBelow);
    if (p == t.known.end() || p->id != m.id) {
      p = t.known.insert(p, Sighting{m.id, m.digest, i});  // unacknowledged: first sighting
    } else if (p->digest != m.digest) {
      return Fail(Property::kOrdering,
                  "topic " + e.topic + ": id " + std::to_string(m.id) +
                      " carries another payload (" + std::to_string(m.bytes) +
                      " bytes) than it did before",
                  {p->event, i});
    }
    from = std::next(p);
  }
  return std::nullopt;
}

// A read never returns more messages than it asked for.
std::optional<Violation> JudgeReadCount(size_t i, const HistoryEvent& e) {
  const bool counted = e.kind == EventKind::kConsume || e.kind == EventKind::kReceive;
  if (!counted || e.asked < 0 || e.messages.size() <= static_cast<uint64_t>(e.asked)) {
    return std::nullopt;
  }
  return Fail(Property::kOrdering,
              "topic " + e.topic + ": group " + e.group + " asked for at most " +
                  std::to_string(e.asked) + " message(s) and got " +
                  std::to_string(e.messages.size()),
              {i});
}

// -------------------------------------------------------------------------- no gaps, seeks

// Where a group's next read must start.
struct Expect {
  enum Mode { kUnknown, kAfter, kFrom, kNewerThan } mode = kUnknown;
  MessageId id = kNone;  // kAfter: last read; kFrom: seek target; kNewerThan: latest at seek
  size_t since = 0;      // the event that set it
};

struct GapTopic {
  std::map<std::string, Expect> groups;
};
using GapWalker = TopicWalker<GapTopic>;

// A read that passes over `owed`, the first acknowledged message it must not skip.
// Unacknowledged messages (a produce whose reply was lost) may come first; the owed one
// must come before anything above it.
bool PassesOver(MessageId owed, const HistoryEvent& e) {
  bool delivered = false;
  bool passed = e.messages.empty();
  for (const SeenMessage& m : e.messages) {
    if (m.id == owed) delivered = true;
    if (m.id > owed && !delivered) passed = true;
  }
  return passed;
}

std::optional<Violation> JudgeOwed(const Expect& x, AckedIndex::Entry owed, size_t i,
                                   const HistoryEvent& e) {
  if (!PassesOver(owed.id, e)) return std::nullopt;
  const std::string got =
      e.messages.empty() ? "nothing" : "id " + std::to_string(e.messages.front().id);
  return Fail(x.mode == Expect::kFrom ? Property::kSeek : Property::kNoGap,
              "topic " + e.topic + " group " + e.group + ": expected acknowledged id " +
                  std::to_string(owed.id) + " next, read " + got,
              {owed.event, x.since, i});
}

// A consume by a group whose next position is known (x).
std::optional<Violation> JudgeNext(const Expect& x, const AckedIndex& acked, size_t i,
                                   const HistoryEvent& e, const CheckOptions& o) {
  MQSIM_ASSERT(x.mode != Expect::kUnknown);
  const MessageId from = x.mode == Expect::kFrom ? x.id : x.id + 1;
  if (!e.messages.empty() && e.messages.front().id < from) {
    return Fail(x.mode == Expect::kAfter ? Property::kNoGap : Property::kSeek,
                "topic " + e.topic + " group " + e.group + ": read id " +
                    std::to_string(e.messages.front().id) + ", below " + std::to_string(from) +
                    (x.mode == Expect::kFrom ? " (the seek target)" : " (already read)"),
                {x.since, i});
  }
  auto owed = acked.LowerBound(from);
  if (owed == acked.end()) return std::nullopt;
  if (o.retention) {  // retention may have taken it: listed for a retention model to judge
    if (o.skips != nullptr && !e.messages.empty() && PassesOver(owed->id, e)) {
      o.skips->push_back({i, owed->event, x.since, owed->id, x.mode == Expect::kFrom});
    }
    return std::nullopt;
  }
  MQSIM_ASSERT(owed->event < i);  // the walker records a produce after judging it
  return JudgeOwed(x, *owed, i, e);
}

std::optional<Violation> JudgeConsume(GapWalker::Topic& t, size_t i, const HistoryEvent& e,
                                      const CheckOptions& o) {
  auto g = t.state.groups.find(e.group);
  if (g == t.state.groups.end()) return std::nullopt;
  Expect& x = g->second;
  if (x.mode != Expect::kUnknown) {
    if (auto v = JudgeNext(x, t.acked, i, e, o)) return v;
  }
  if (!e.messages.empty()) x = Expect{Expect::kAfter, e.messages.back().id, i};
  return std::nullopt;
}

// Where a successful seek leaves its group. On a store that clamps, a target beyond the
// latest acknowledged id + 1 lands somewhere after it (the store's latest may be higher:
// unacknowledged ids): as a seek to latest.
Expect SeekExpect(const AckedIndex& acked, size_t i, const HistoryEvent& e, const CheckOptions& o) {
  const MessageId latest = acked.empty() ? kNone : acked.back().id;
  if (o.seek_clamps_to_latest && e.id > latest + 1) return Expect{Expect::kNewerThan, latest, i};
  return Expect{Expect::kFrom, e.id, i};
}

// A restart: positions after it are the harness's business (it seeks again). A power loss
// may also have taken unsynced acknowledged messages: nobody can be owed them any more.
void ForgetPositions(GapWalker& w, bool power_loss) {
  for (auto& [name, t] : w.topics()) {
    if (power_loss) {
      t.acked.EraseIf([&](const AckedIndex::Entry& a) { return !w.event(a.event).sync; });
    }
    for (auto& [group, x] : t.state.groups) x.mode = Expect::kUnknown;
  }
}

// --------------------------------------------------------------------------------- latest

struct LatestTopic {
  // A failed produce may still have stored its message, under an id above every id
  // acknowledged before it and below every id acknowledged after it. Each run of failures
  // leaves such an open interval of ids (from, to); the last one may still be open above.
  std::vector<std::pair<MessageId, MessageId>> failed_gaps;
  std::optional<MessageId> open_gap_from;
  bool maybe_lost = false;  // a power loss may have taken acknowledged ones
  // Every id ever acknowledged, ascending: a purge or delete that failed takes ids out of
  // the walker's index that may still be there.
  std::vector<MessageId> ever;

  void Failed() {
    if (!open_gap_from) open_gap_from = ever.empty() ? kNone : ever.back();
  }
  void Acknowledged(MessageId id) {
    if (open_gap_from) failed_gaps.emplace_back(*open_gap_from, id);
    open_gap_from.reset();
    if (ever.empty() || ever.back() < id) ever.push_back(id);  // ordering judges the rest
  }
  bool MayBeFailedProduce(MessageId id) const {
    if (open_gap_from && id > *open_gap_from) return true;
    return std::any_of(failed_gaps.begin(), failed_gaps.end(),
                       [&](const auto& gap) { return gap.first < id && id < gap.second; });
  }
};
using LatestWalker = TopicWalker<LatestTopic>;

std::optional<Violation> JudgeLatest(const LatestWalker::Topic& t, size_t i, const HistoryEvent& e,
                                     const CheckOptions& o) {
  const AckedIndex& a = t.acked;
  if (e.id == kNone) {
    if (a.empty() || t.state.maybe_lost) return std::nullopt;
    if (!o.retention) {
      return Fail(Property::kLatest,
                  "topic " + e.topic + " answered no message, but id " +
                      std::to_string(a.back().id) + " was acknowledged",
                  {a.back().event, i});
    }
    // Retention may have taken every message: the caller judges whether it can have.
    if (o.skips != nullptr) o.skips->push_back({i, a.back().event, i, a.back().id, false});
    return std::nullopt;
  }
  const std::vector<MessageId>& ever = t.state.ever;
  const bool known = a.Find(e.id) != nullptr || std::binary_search(ever.begin(), ever.end(), e.id);
  if (!known && !t.state.MayBeFailedProduce(e.id)) {
    return Fail(Property::kLatest,
                "topic " + e.topic + " answered id " + std::to_string(e.id) +
                    ", which was never acknowledged on it",
                {i});
  }
  if (!a.empty() && e.id < a.back().id && !t.state.maybe_lost) {
    return Fail(Property::kLatest,
                "topic " + e.topic + " answered id " + std::to_string(e.id) +
                    ", below acknowledged id " + std::to_string(a.back().id),
                {a.back().event, i});
  }
  return std::nullopt;
}

// ----------------------------------------------------------------------------- durability

// Per topic incarnation, beside the acknowledged produces: every payload produced.
using DurabilityWalker = TopicWalker<ProducedPayloads>;

// `found` := a read's messages by id. Reads come in id order (the ordering check reports
// when not): sort only then.
void SortById(const SeenMessages& read, std::vector<const SeenMessage*>& found) {
  found.clear();
  for (const SeenMessage& m : read) found.push_back(&m);
  auto by_id = [](const SeenMessage* x, const SeenMessage* y) { return x->id < y->id; };
  if (!std::is_sorted(found.begin(), found.end(), by_id)) {
    std::stable_sort(found.begin(), found.end(), by_id);
  }
}

// A message read that no acknowledgement covers (a produce whose answer was lost): it
// must have been produced.
std::optional<Violation> JudgeUnacknowledged(const SeenMessage& m, ProducedPayloads& produced,
                                             size_t i, const HistoryEvent& e) {
  if (produced.Contains(m.digest)) return std::nullopt;
  return Fail(Property::kDurability,
              "topic " + e.topic + ": id " + std::to_string(m.id) + " holds a payload (" +
                  std::to_string(m.bytes) + " bytes) that was never produced",
              {i});
}

// An acknowledged message against what the read holds under its id (`held`, or nullptr):
// a promised one is there with its payload; any other is absent or holds something produced.
std::optional<Violation> JudgeAcknowledged(DurabilityWalker& w, AckedIndex::Entry a,
                                           const SeenMessage* held, ProducedPayloads& produced,
                                           size_t i, const HistoryEvent& e) {
  const HistoryEvent& produce = w.event(a.event);
  const bool promised = w.Promised(produce);
  if (held != nullptr && held->digest != produce.digest) {
    if (promised) {
      return Fail(Property::kDurability,
                  "topic " + e.topic + ": id " + std::to_string(a.id) +
                      " holds another payload after recovery",
                  {a.event, i});
    }
    if (!produced.Contains(held->digest)) {
      return Fail(Property::kDurability,
                  "topic " + e.topic + ": id " + std::to_string(a.id) +
                      " holds a payload that was never produced",
                  {a.event, i});
    }
  }
  if (held == nullptr && promised) {
    return Fail(Property::kDurability,
                "topic " + e.topic + ": acknowledged id " + std::to_string(a.id) +
                    " is gone after recovery",
                {a.event, i});
  }
  return std::nullopt;
}

// One read-all: the acknowledged messages and the read, walked together by id.
std::optional<Violation> JudgeReadAll(DurabilityWalker& w, std::vector<const SeenMessage*>& found,
                                      size_t i, const HistoryEvent& e, const CheckOptions& o) {
  DurabilityWalker::Topic& t = w.topic(e.topic);
  SortById(e.messages, found);
  const MessageId first = found.empty() ? INT64_MAX : found.front()->id;
  // With retention the store may have dropped a prefix: start at the first id read.
  auto a = o.retention ? t.acked.LowerBound(first) : t.acked.begin();
  auto f = found.begin();
  for (; a != t.acked.end(); ++a) {
    for (; f != found.end() && (*f)->id < a->id; ++f) {
      if (auto v = JudgeUnacknowledged(**f, t.state, i, e)) return v;
    }
    const SeenMessage* held = f != found.end() && (*f)->id == a->id ? *f : nullptr;
    if (auto v = JudgeAcknowledged(w, *a, held, t.state, i, e)) return v;
    if (held != nullptr) ++f;
  }
  for (; f != found.end(); ++f) {
    if (auto v = JudgeUnacknowledged(**f, t.state, i, e)) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string Violation::ToString(const History& h) const {
  std::string out = std::string(Name(property)) + ": " + detail;
  for (size_t i : events) out += "\n  " + h.Describe(i);
  return out;
}

std::optional<Violation> CheckOrdering(const History& h) {
  OrderingWalker w(h);
  return w.Walk([&](size_t i, const HistoryEvent& e) -> std::optional<Violation> {
    if (!e.ok) return std::nullopt;
    if (e.kind == EventKind::kProduce) return JudgeAckedId(w.topic(e.topic).state, i, e);
    if (auto v = JudgeReadCount(i, e)) return v;
    const bool read = e.kind == EventKind::kConsume || e.kind == EventKind::kReadAll;
    if (read && !e.messages.empty()) return JudgeDeliveredIds(w.topic(e.topic).state, i, e);
    return std::nullopt;
  });
}

std::optional<Violation> CheckNoGapsAndSeeks(const History& h, const CheckOptions& o) {
  GapWalker w(h);
  return w.Walk([&](size_t i, const HistoryEvent& e) -> std::optional<Violation> {
    auto expect = [&](Expect x) { w.topic(e.topic).state.groups[e.group] = x; };
    switch (e.kind) {
      case EventKind::kCreateGroup:
        if (e.ok) expect(Expect{Expect::kFrom, 0, i});
        break;
      case EventKind::kDestroyGroup:
        w.topic(e.topic).state.groups.erase(e.group);
        break;
      case EventKind::kPowerLoss:
      case EventKind::kCrash:
      case EventKind::kRecover:
        ForgetPositions(w, e.kind == EventKind::kPowerLoss);
        break;
      case EventKind::kSeek:
        if (e.ok) expect(SeekExpect(w.topic(e.topic).acked, i, e, o));
        break;
      case EventKind::kSeekToLatest:
        if (e.ok) {
          const AckedIndex& a = w.topic(e.topic).acked;
          expect(Expect{Expect::kNewerThan, a.empty() ? kNone : a.back().id, i});
        }
        break;
      case EventKind::kConsume:
        if (e.ok) return JudgeConsume(w.topic(e.topic), i, e, o);
        break;
      default:
        break;
    }
    return std::nullopt;
  });
}

std::optional<Violation> CheckLatest(const History& h, const CheckOptions& o) {
  LatestWalker w(h);
  return w.Walk([&](size_t i, const HistoryEvent& e) -> std::optional<Violation> {
    if (e.kind == EventKind::kProduce && !e.ok) {
      w.topic(e.topic).state.Failed();
    } else if (e.kind == EventKind::kProduce) {
      w.topic(e.topic).state.Acknowledged(e.id);
    } else if (e.kind == EventKind::kPowerLoss) {
      for (auto& [name, t] : w.topics()) {
        for (const AckedIndex::Entry& a : t.acked) {
          if (!w.event(a.event).sync) t.state.maybe_lost = true;
        }
      }
    } else if (e.kind == EventKind::kLatest && e.ok) {
      return JudgeLatest(w.topic(e.topic), i, e, o);
    }
    return std::nullopt;
  });
}

std::optional<Violation> CheckDurability(const History& h, const CheckOptions& o) {
  // A switch forgets every topic: the flush-before-switch check judges what the old store
  // held.
  DurabilityWalker w(h);
  std::vector<const SeenMessage*> found;  // one read-all, by id
  return w.Walk([&](size_t i, const HistoryEvent& e) -> std::optional<Violation> {
    if (e.kind == EventKind::kProduce) w.topic(e.topic).state.Add(e.digest);
    if (e.kind == EventKind::kReadAll && e.ok) return JudgeReadAll(w, found, i, e, o);
    return std::nullopt;
  });
}

std::optional<Violation> CheckAll(const History& h, const CheckOptions& o) {
  if (auto v = CheckOrdering(h)) return v;
  if (auto v = CheckNoGapsAndSeeks(h, o)) return v;
  if (auto v = CheckLatest(h, o)) return v;
  return CheckDurability(h, o);
}

}  // namespace mqsim::properties
