#include "properties/checkers.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

namespace mqsim::properties {

namespace {

constexpr MessageId kNone = backends::kNoMessage;

Violation Fail(Property property, std::string detail, std::vector<size_t> events) {
  return Violation{property, std::move(detail), std::move(events)};
}

// The acknowledged produces of one topic incarnation.
struct Acked {
  std::map<MessageId, size_t> by_id;  // id -> produce event
};

}  // namespace

std::string Violation::ToString(const History& h) const {
  std::string out = std::string(Name(property)) + ": " + detail;
  for (size_t i : events) out += "\n  " + h.Describe(i);
  return out;
}

std::optional<Violation> CheckOrdering(const History& h) {
  // Per topic incarnation: the last acknowledged id, and the payload digest each id was
  // first seen with (acknowledged, or delivered without an acknowledgement), by id.
  struct Known {
    MessageId id;
    uint64_t digest;
    size_t event;
  };
  struct Topic {
    MessageId last_acked = kNone;
    size_t last_acked_event = 0;
    std::vector<Known> known;
  };
  auto by_id = [](const Known& k, MessageId id) { return k.id < id; };
  std::map<std::string, Topic> topics;
  const auto& ev = h.events();
  for (size_t i = 0; i < ev.size(); ++i) {
    const HistoryEvent& e = ev[i];
    if (e.kind == EventKind::kSwitch) {
      topics.clear();
    } else if (e.kind == EventKind::kDestroyTopic && e.ok) {
      topics.erase(e.topic);
    } else if (e.kind == EventKind::kProduce && e.ok) {
      Topic& t = topics[e.topic];
      if (t.last_acked != kNone && e.id <= t.last_acked) {
        return Fail(Property::kOrdering,
                    "topic " + e.topic + ": acknowledged id " + std::to_string(e.id) +
                        " is not above the previous acknowledged id " +
                        std::to_string(t.last_acked),
                    {t.last_acked_event, i});
      }
      t.last_acked = e.id;
      t.last_acked_event = i;
      auto at = t.known.empty() || t.known.back().id < e.id
                    ? t.known.end()
                    : std::lower_bound(t.known.begin(), t.known.end(), e.id, by_id);
      if (at != t.known.end() && at->id == e.id) {
        *at = Known{e.id, e.digest, i};  // seen before its acknowledgement
      } else {
        t.known.insert(at, Known{e.id, e.digest, i});
      }
    } else if ((e.kind == EventKind::kConsume || e.kind == EventKind::kReadAll) && e.ok) {
      if (e.messages.empty()) continue;
      Topic& t = topics[e.topic];
      auto from = t.known.begin();  // a read is in id order: search only above the last hit
      for (size_t k = 0; k < e.messages.size(); ++k) {
        const SeenMessage& m = e.messages[k];
        if (k > 0 && m.id <= e.messages[k - 1].id) {
          return Fail(Property::kOrdering,
                      "topic " + e.topic + ": delivered id " + std::to_string(m.id) + " after " +
                          std::to_string(e.messages[k - 1].id) + " in one read",
                      {i});
        }
        auto p = from != t.known.end() && from->id == m.id
                     ? from
                     : std::lower_bound(from, t.known.end(), m.id, by_id);
        if (p == t.known.end() || p->id != m.id) {
          p = t.known.insert(p, Known{m.id, m.digest, i});  // unacknowledged: first sighting
        } else if (p->digest != m.digest) {
          return Fail(Property::kOrdering,
                      "topic " + e.topic + ": id " + std::to_string(m.id) +
                          " carries another payload (" + std::to_string(m.bytes) +
                          " bytes) than it did before",
                      {p->event, i});
        }
        from = std::next(p);
      }
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckNoGapsAndSeeks(const History& h, const CheckOptions& o) {
  struct Expect {
    enum Mode { kUnknown, kAfter, kFrom, kNewerThan } mode = kUnknown;
    MessageId id = kNone;  // kAfter: last read; kFrom: seek target; kNewerThan: latest at seek
    size_t since = 0;      // the event that set it
  };
  std::map<std::string, Acked> acked;  // topic -> acknowledged messages
  std::map<std::pair<std::string, std::string>, Expect> groups;
  const auto& ev = h.events();
  for (size_t i = 0; i < ev.size(); ++i) {
    const HistoryEvent& e = ev[i];
    const auto key = std::make_pair(e.topic, e.group);
    switch (e.kind) {
      case EventKind::kSwitch:
        acked.clear();
        groups.clear();
        break;
      case EventKind::kDestroyTopic:
        if (!e.ok) break;
        acked.erase(e.topic);
        for (auto it = groups.begin(); it != groups.end();) {
          it = it->first.first == e.topic ? groups.erase(it) : std::next(it);
        }
        break;
      case EventKind::kProduce:
        if (e.ok) acked[e.topic].by_id[e.id] = i;
        break;
      case EventKind::kCreateGroup:
        if (e.ok) groups[key] = Expect{Expect::kFrom, 0, i};
        break;
      case EventKind::kDestroyGroup:
        groups.erase(key);
        break;
      case EventKind::kPowerLoss:
        // Unsynced acknowledged messages may be gone: nobody can be owed them any more.
        for (auto& [topic, a] : acked) {
          std::erase_if(a.by_id, [&](const auto& entry) { return !ev[entry.second].sync; });
        }
        [[fallthrough]];
      case EventKind::kCrash:
      case EventKind::kRecover:
        // Positions after a restart are the harness's business (it seeks again).
        for (auto& [k, x] : groups) x.mode = Expect::kUnknown;
        break;
      case EventKind::kSeek:
        if (e.ok) groups[key] = Expect{Expect::kFrom, e.id, i};
        break;
      case EventKind::kSeekToLatest: {
        if (!e.ok) break;
        const auto& a = acked[e.topic].by_id;
        groups[key] = Expect{Expect::kNewerThan, a.empty() ? kNone : a.rbegin()->first, i};
        break;
      }
      case EventKind::kConsume: {
        if (!e.ok) break;
        auto g = groups.find(key);
        if (g == groups.end() || g->second.mode == Expect::kUnknown) {
          if (g != groups.end() && !e.messages.empty()) {
            g->second = Expect{Expect::kAfter, e.messages.back().id, i};
          }
          break;
        }
        Expect& x = g->second;
        const auto& a = acked[e.topic].by_id;
        // The first acknowledged message this read must not pass over.
        std::optional<std::pair<MessageId, size_t>> owed;
        if (x.mode == Expect::kAfter || x.mode == Expect::kFrom || x.mode == Expect::kNewerThan) {
          const MessageId from = x.mode == Expect::kFrom ? x.id : x.id + 1;
          auto it = a.lower_bound(from);
          if (it != a.end() && it->second < i) owed = *it;
          if (!e.messages.empty() && e.messages.front().id < from) {
            return Fail(x.mode == Expect::kAfter ? Property::kNoGap : Property::kSeek,
                        "topic " + e.topic + " group " + e.group + ": read id " +
                            std::to_string(e.messages.front().id) + ", below " +
                            std::to_string(from) +
                            (x.mode == Expect::kFrom ? " (the seek target)" : " (already read)"),
                        {x.since, i});
          }
        }
        if (owed && !o.retention) {
          // Unacknowledged messages (a produce whose reply was lost) may come first; the
          // owed one must come before anything above it.
          bool delivered = false;
          bool passed = e.messages.empty();
          for (const SeenMessage& m : e.messages) {
            if (m.id == owed->first) delivered = true;
            if (m.id > owed->first && !delivered) passed = true;
          }
          if (passed) {
            const std::string got =
                e.messages.empty() ? "nothing" : "id " + std::to_string(e.messages.front().id);
            return Fail(x.mode == Expect::kFrom ? Property::kSeek : Property::kNoGap,
                        "topic " + e.topic + " group " + e.group + ": expected acknowledged id " +
                            std::to_string(owed->first) + " next, read " + got,
                        {owed->second, x.since, i});
          }
        }
        if (!e.messages.empty()) x = Expect{Expect::kAfter, e.messages.back().id, i};
        break;
      }
      default:
        break;
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckLatest(const History& h, const CheckOptions& o) {
  std::map<std::string, Acked> acked;
  std::map<std::string, bool> unknown;     // a produce failed: an id may exist unacknowledged
  std::map<std::string, bool> maybe_lost;  // a power loss may have taken acknowledged ones
  const auto& ev = h.events();
  for (size_t i = 0; i < ev.size(); ++i) {
    const HistoryEvent& e = ev[i];
    if (e.kind == EventKind::kSwitch) {
      acked.clear();
      unknown.clear();
      maybe_lost.clear();
    } else if (e.kind == EventKind::kDestroyTopic && e.ok) {
      acked.erase(e.topic);
      unknown.erase(e.topic);
      maybe_lost.erase(e.topic);
    } else if (e.kind == EventKind::kProduce) {
      if (e.ok)
        acked[e.topic].by_id[e.id] = i;
      else
        unknown[e.topic] = true;
    } else if (e.kind == EventKind::kPowerLoss) {
      for (auto& [t, a] : acked) {
        for (const auto& [id, at] : a.by_id) {
          if (!ev[at].sync) maybe_lost[t] = true;
        }
      }
    } else if (e.kind == EventKind::kLatest && e.ok) {
      const auto& a = acked[e.topic].by_id;
      if (e.id == kNone) {
        if (!a.empty() && !maybe_lost[e.topic] && !o.retention) {
          return Fail(Property::kLatest,
                      "topic " + e.topic + " answered no message, but id " +
                          std::to_string(a.rbegin()->first) + " was acknowledged",
                      {a.rbegin()->second, i});
        }
        continue;
      }
      const bool known = a.count(e.id) != 0;
      const bool above = a.empty() || e.id > a.rbegin()->first;
      if (!known && !(above && unknown[e.topic])) {
        return Fail(Property::kLatest,
                    "topic " + e.topic + " answered id " + std::to_string(e.id) +
                        ", which was never acknowledged on it",
                    {i});
      }
      if (!a.empty() && e.id < a.rbegin()->first && !maybe_lost[e.topic]) {
        return Fail(Property::kLatest,
                    "topic " + e.topic + " answered id " + std::to_string(e.id) +
                        ", below acknowledged id " + std::to_string(a.rbegin()->first),
                    {a.rbegin()->second, i});
      }
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckDurability(const History& h, const CheckOptions& o) {
  // Per topic incarnation, the acknowledged produces by id (ids are acknowledged in
  // increasing order, so this is an append; the ordering check reports when not), and the
  // digests of every payload produced, acknowledged or not.
  struct AckedMessage {
    MessageId id;
    uint64_t digest;
    int64_t time_ns;
    bool sync;
    size_t event;
  };
  struct Topic {
    std::vector<AckedMessage> acked;
    // Every payload produced, acknowledged or not: an append per produce, indexed in a hash
    // set (looked up only, never iterated) the first time a read needs it, which only a
    // message without an acknowledgement does.
    std::vector<uint64_t> produced;
    std::unordered_set<uint64_t> index;
    size_t indexed = 0;
    bool Attempted(uint64_t digest) {
      for (; indexed < produced.size(); ++indexed) index.insert(produced[indexed]);
      return index.contains(digest);
    }
  };
  std::map<std::string, Topic> topics;
  int64_t last_power_loss = INT64_MIN;
  const auto& ev = h.events();
  std::vector<const SeenMessage*> found;  // one read-all, by id
  auto by_id = [](const AckedMessage& m, MessageId id) { return m.id < id; };
  for (size_t i = 0; i < ev.size(); ++i) {
    const HistoryEvent& e = ev[i];
    if (e.kind == EventKind::kSwitch) {
      topics.clear();  // the flush-before-switch check judges what the old store held
    } else if (e.kind == EventKind::kDestroyTopic && e.ok) {
      topics.erase(e.topic);
    } else if (e.kind == EventKind::kProduce) {
      Topic& t = topics[e.topic];
      t.produced.push_back(e.digest);
      if (!e.ok) continue;
      const AckedMessage m{e.id, e.digest, e.time_ns, e.sync, i};
      if (t.acked.empty() || t.acked.back().id < e.id) {
        t.acked.push_back(m);
      } else {
        auto at = std::lower_bound(t.acked.begin(), t.acked.end(), e.id, by_id);
        if (at != t.acked.end() && at->id == e.id)
          *at = m;
        else
          t.acked.insert(at, m);
      }
    } else if (e.kind == EventKind::kPowerLoss) {
      last_power_loss = e.time_ns;
    } else if (e.kind == EventKind::kReadAll && e.ok) {
      Topic& t = topics[e.topic];
      found.clear();
      for (const SeenMessage& m : e.messages) found.push_back(&m);
      auto by_read_id = [](const SeenMessage* x, const SeenMessage* y) { return x->id < y->id; };
      // Reads come in id order (the ordering check reports when not): sort only then.
      if (!std::is_sorted(found.begin(), found.end(), by_read_id)) {
        std::stable_sort(found.begin(), found.end(), by_read_id);
      }
      const MessageId first = found.empty() ? INT64_MAX : found.front()->id;
      // Walk the acknowledged messages and the read together, both by id. With retention
      // the store may have dropped a prefix: start at the first id read.
      auto a = o.retention ? std::lower_bound(t.acked.begin(), t.acked.end(), first, by_id)
                           : t.acked.begin();
      auto f = found.begin();
      for (; a != t.acked.end(); ++a) {
        for (; f != found.end() && (*f)->id < a->id; ++f) {
          // Not acknowledged (a produce whose answer was lost): it must have been produced.
          if (!t.Attempted((*f)->digest)) {
            return Fail(Property::kDurability,
                        "topic " + e.topic + ": id " + std::to_string((*f)->id) +
                            " holds a payload (" + std::to_string((*f)->bytes) +
                            " bytes) that was never produced",
                        {i});
          }
        }
        const bool promised = a->sync || a->time_ns > last_power_loss;
        const bool present = f != found.end() && (*f)->id == a->id;
        if (present && (*f)->digest != a->digest) {
          if (promised) {
            return Fail(Property::kDurability,
                        "topic " + e.topic + ": id " + std::to_string(a->id) +
                            " holds another payload after recovery",
                        {a->event, i});
          }
          if (!t.Attempted((*f)->digest)) {
            return Fail(Property::kDurability,
                        "topic " + e.topic + ": id " + std::to_string(a->id) +
                            " holds a payload that was never produced",
                        {a->event, i});
          }
        }
        if (!present && promised) {
          return Fail(Property::kDurability,
                      "topic " + e.topic + ": acknowledged id " + std::to_string(a->id) +
                          " is gone after recovery",
                      {a->event, i});
        }
        if (present) ++f;
      }
      for (; f != found.end(); ++f) {
        if (!t.Attempted((*f)->digest)) {
          return Fail(Property::kDurability,
                      "topic " + e.topic + ": id " + std::to_string((*f)->id) +
                          " holds a payload (" + std::to_string((*f)->bytes) +
                          " bytes) that was never produced",
                      {i});
        }
      }
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckAll(const History& h, const CheckOptions& o) {
  if (auto v = CheckOrdering(h)) return v;
  if (auto v = CheckNoGapsAndSeeks(h, o)) return v;
  if (auto v = CheckLatest(h, o)) return v;
  return CheckDurability(h, o);
}

}  // namespace mqsim::properties
