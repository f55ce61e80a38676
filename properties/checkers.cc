#include "properties/checkers.h"

#include <map>
#include <set>

namespace mqsim::properties {

namespace {

constexpr MessageId kNone = backends::kNoMessage;

Violation Fail(std::string property, std::string detail, std::vector<size_t> events) {
  return Violation{std::move(property), std::move(detail), std::move(events)};
}

// The acknowledged produces of one topic incarnation.
struct Acked {
  std::map<MessageId, size_t> by_id;  // id -> produce event
};

}  // namespace

std::string Violation::ToString(const History& h) const {
  std::string out = property + ": " + detail;
  for (size_t i : events) out += "\n  " + h.Describe(i);
  return out;
}

std::optional<Violation> CheckOrdering(const History& h) {
  std::map<std::string, MessageId> last_acked;       // topic -> last acknowledged id
  std::map<std::string, size_t> last_acked_event;
  std::map<std::string, std::map<MessageId, std::pair<std::string, size_t>>> payload_of;
  const auto& ev = h.events();
  for (size_t i = 0; i < ev.size(); ++i) {
    const HistoryEvent& e = ev[i];
    if (e.kind == EventKind::kSwitch) {
      last_acked.clear();
      payload_of.clear();
    } else if (e.kind == EventKind::kDestroyTopic && e.ok) {
      last_acked.erase(e.topic);
      payload_of.erase(e.topic);
    } else if (e.kind == EventKind::kProduce && e.ok) {
      auto it = last_acked.find(e.topic);
      if (it != last_acked.end() && e.id <= it->second) {
        return Fail("ordering",
                    "topic " + e.topic + ": acknowledged id " + std::to_string(e.id) +
                        " is not above the previous acknowledged id " + std::to_string(it->second),
                    {last_acked_event[e.topic], i});
      }
      last_acked[e.topic] = e.id;
      last_acked_event[e.topic] = i;
      payload_of[e.topic][e.id] = {e.payload, i};
    } else if ((e.kind == EventKind::kConsume || e.kind == EventKind::kReadAll) && e.ok) {
      for (size_t k = 0; k < e.messages.size(); ++k) {
        const Message& m = e.messages[k];
        if (k > 0 && m.id <= e.messages[k - 1].id) {
          return Fail("ordering",
                      "topic " + e.topic + ": delivered id " + std::to_string(m.id) + " after " +
                          std::to_string(e.messages[k - 1].id) + " in one read",
                      {i});
        }
        auto& known = payload_of[e.topic];
        auto p = known.find(m.id);
        if (p == known.end()) {
          known[m.id] = {m.payload, i};  // an unacknowledged produce: first sighting
        } else if (p->second.first != m.payload) {
          return Fail("ordering",
                      "topic " + e.topic + ": id " + std::to_string(m.id) + " carries \"" +
                          m.payload.substr(0, 24) + "\", earlier \"" +
                          p->second.first.substr(0, 24) + "\"",
                      {p->second.second, i});
        }
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
  std::map<std::string, Acked> acked;                  // topic -> acknowledged messages
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
      case EventKind::kDestroyGroup: groups.erase(key); break;
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
            return Fail(x.mode == Expect::kAfter ? "no-gap" : "seek",
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
          for (const Message& m : e.messages) {
            if (m.id == owed->first) delivered = true;
            if (m.id > owed->first && !delivered) passed = true;
          }
          if (passed) {
            const std::string got =
                e.messages.empty() ? "nothing" : "id " + std::to_string(e.messages.front().id);
            return Fail(x.mode == Expect::kFrom ? "seek" : "no-gap",
                        "topic " + e.topic + " group " + e.group + ": expected acknowledged id " +
                            std::to_string(owed->first) + " next, read " + got,
                        {owed->second, x.since, i});
          }
        }
        if (!e.messages.empty()) x = Expect{Expect::kAfter, e.messages.back().id, i};
        break;
      }
      default: break;
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckLatest(const History& h, const CheckOptions& o) {
  std::map<std::string, Acked> acked;
  std::map<std::string, bool> unknown;  // a produce failed: an id may exist unacknowledged
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
      if (e.ok) acked[e.topic].by_id[e.id] = i;
      else unknown[e.topic] = true;
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
          return Fail("latest", "topic " + e.topic + " answered no message, but id " +
                                    std::to_string(a.rbegin()->first) + " was acknowledged",
                      {a.rbegin()->second, i});
        }
        continue;
      }
      const bool known = a.count(e.id) != 0;
      const bool above = a.empty() || e.id > a.rbegin()->first;
      if (!known && !(above && unknown[e.topic])) {
        return Fail("latest", "topic " + e.topic + " answered id " + std::to_string(e.id) +
                                  ", which was never acknowledged on it",
                    {i});
      }
      if (!a.empty() && e.id < a.rbegin()->first && !maybe_lost[e.topic]) {
        return Fail("latest", "topic " + e.topic + " answered id " + std::to_string(e.id) +
                                  ", below acknowledged id " + std::to_string(a.rbegin()->first),
                    {a.rbegin()->second, i});
      }
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckDurability(const History& h, const CheckOptions& o) {
  std::map<std::string, Acked> acked;
  std::map<std::string, std::set<std::string>> attempted;  // every payload ever produced
  int64_t last_power_loss = INT64_MIN;
  const auto& ev = h.events();
  for (size_t i = 0; i < ev.size(); ++i) {
    const HistoryEvent& e = ev[i];
    if (e.kind == EventKind::kSwitch) {
      acked.clear();  // the flush-before-switch check judges what the old store held
      attempted.clear();
    } else if (e.kind == EventKind::kDestroyTopic && e.ok) {
      acked.erase(e.topic);
      attempted.erase(e.topic);
    } else if (e.kind == EventKind::kProduce) {
      attempted[e.topic].insert(e.payload);
      if (e.ok) acked[e.topic].by_id[e.id] = i;
    } else if (e.kind == EventKind::kPowerLoss) {
      last_power_loss = e.time_ns;
    } else if (e.kind == EventKind::kReadAll && e.ok) {
      std::map<MessageId, const Message*> found;
      for (const Message& m : e.messages) {
        if (attempted[e.topic].count(m.payload) == 0) {
          return Fail("durability", "topic " + e.topic + ": id " + std::to_string(m.id) +
                                        " holds \"" + m.payload.substr(0, 24) +
                                        "\", which was never produced",
                      {i});
        }
        found[m.id] = &m;
      }
      const MessageId first = found.empty() ? INT64_MAX : found.begin()->first;
      for (const auto& [id, at] : acked[e.topic].by_id) {
        const HistoryEvent& p = ev[at];
        const bool promised = p.sync || p.time_ns > last_power_loss;
        if (!promised) continue;
        if (o.retention && id < first) continue;  // retained away from the front
        auto f = found.find(id);
        if (f == found.end()) {
          return Fail("durability", "topic " + e.topic + ": acknowledged id " +
                                        std::to_string(id) + " is gone after recovery",
                      {at, i});
        }
        if (f->second->payload != p.payload) {
          return Fail("durability", "topic " + e.topic + ": id " + std::to_string(id) +
                                        " holds another payload after recovery",
                      {at, i});
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
