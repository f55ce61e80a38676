#include "properties/retention_checkers.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_set>

namespace mqsim::properties {

namespace {

struct Produced {
  MessageId id;
  uint64_t bytes;
  int64_t time_ns;
  size_t event;
  bool sync;
};

// Per topic incarnation: acknowledged messages in id order.
using Topics = std::map<std::string, std::map<MessageId, Produced>>;

// When a group first moved past each id, in id order. Groups pass ids in increasing order,
// so recording is an append; a pass over ids already recorded keeps the first time.
class FirstPasses {
 public:
  void Emplace(MessageId id, int64_t t) {
    if (at_.empty() || id > at_.back().first) {
      at_.emplace_back(id, t);
      return;
    }
    auto it = LowerBound(id);
    if (it == at_.end() || it->first != id) at_.insert(it, {id, t});
  }
  const int64_t* Find(MessageId id) const {
    auto it = LowerBound(id);
    return it != at_.end() && it->first == id ? &it->second : nullptr;
  }
  void EraseFrom(MessageId id) { at_.erase(LowerBound(id), at_.end()); }
  void Clear() { at_.clear(); }

 private:
  std::vector<std::pair<MessageId, int64_t>>::const_iterator LowerBound(MessageId id) const {
    return std::lower_bound(
        at_.begin(), at_.end(), id,
        [](const std::pair<MessageId, int64_t>& p, MessageId v) { return p.first < v; });
  }
  std::vector<std::pair<MessageId, int64_t>> at_;
};

// When each group's position first moved past each id (consume beyond it, or a seek past
// it), per topic; groups come and go.
struct Progress {
  std::map<std::string, MessageId> position;  // group -> next id
  // Ids below this were found rightly retained at an earlier read-all. The verdict cannot
  // change later (first passes only accumulate and time only grows) until the set of
  // groups changes, which resets it; so each retained message is judged once.
  MessageId judged_below = 0;
  std::map<std::string, FirstPasses> passed;  // group -> id -> first time passed
  // The same since the last power loss (which may take unsynced ack records with it): the
  // liveness bound runs from these.
  std::map<std::string, FirstPasses> repassed;
};

void Pass(Progress& p, const std::string& group, MessageId next, int64_t t,
          const std::map<MessageId, Produced>& msgs) {
  MessageId& pos = p.position[group];
  auto& passed = p.passed[group];
  auto& repassed = p.repassed[group];
  for (auto it = msgs.lower_bound(pos); it != msgs.end() && it->first < next; ++it) {
    passed.Emplace(it->first, t);
    repassed.Emplace(it->first, t);
  }
  pos = next;
}

// A topic's acknowledged messages in id order with their cumulative payload bytes, to find
// "a page of bytes beyond" a message by binary search instead of a walk. Appends are O(1);
// an id at or below the last one (never in a well-ordered history) marks it stale, and the
// next query rebuilds it from the messages.
class ByteIndex {
 public:
  void Add(MessageId id, uint64_t bytes) {
    if (stale_ || (!ids_.empty() && id <= ids_.back())) {
      stale_ = true;
      return;
    }
    ids_.push_back(id);
    sums_.push_back((sums_.empty() ? 0 : sums_.back()) + static_cast<int64_t>(bytes));
  }
  // With `from` one of msgs: the message after the first one whose bytes, counted from the
  // message after `from`, exceed page_bytes (the first message certainly in a later page);
  // nullopt if there is none yet.
  std::optional<MessageId> PageBeyond(const std::map<MessageId, Produced>& msgs, MessageId from,
                                      int64_t page_bytes) {
    if (stale_) Rebuild(msgs);
    const size_t i =
        static_cast<size_t>(std::lower_bound(ids_.begin(), ids_.end(), from) - ids_.begin());
    if (i >= ids_.size()) return std::nullopt;
    auto k = std::upper_bound(sums_.begin() + static_cast<std::ptrdiff_t>(i) + 1, sums_.end(),
                              sums_[i] + page_bytes);
    if (k == sums_.end() || std::next(k) == sums_.end()) return std::nullopt;
    return ids_[static_cast<size_t>(k - sums_.begin()) + 1];
  }

 private:
  void Rebuild(const std::map<MessageId, Produced>& msgs) {
    ids_.clear();
    sums_.clear();
    stale_ = false;
    for (const auto& [id, m] : msgs) Add(id, m.bytes);
  }
  std::vector<MessageId> ids_;
  std::vector<int64_t> sums_;
  bool stale_ = false;
};

}  // namespace

std::optional<Violation> CheckRetention(const History& h, const RetentionBounds& b) {
  if (b.time_ns < 0 && b.size_bytes < 0) return std::nullopt;
  const int64_t b_tick_ns = b.tick_ns;
  Topics topics;
  std::map<std::string, ByteIndex> byte_index;
  std::map<std::string, Progress> progress;
  int64_t last_power_loss = INT64_MIN;
  // While the store is down nothing is retained, and after each start the retention ticker
  // waits a full interval: both extend the liveness bound (read from the history itself).
  std::vector<std::pair<int64_t, int64_t>> down;  // [crash, recover) intervals
  int64_t down_since = INT64_MIN;                 // INT64_MIN: up
  auto extension = [&](int64_t from, int64_t to) {
    int64_t extra = 0;
    for (const auto& [a, b] : down) {
      const int64_t lo = std::max(a, from), hi = std::min(b, to);
      if (hi > lo) extra += (hi - lo) + b_tick_ns;
    }
    return extra;
  };
  const auto& ev = h.events();
  for (size_t i = 0; i < ev.size(); ++i) {
    const HistoryEvent& e = ev[i];
    auto& msgs = topics[e.topic];
    Progress& pr = progress[e.topic];
    switch (e.kind) {
      case EventKind::kSwitch:
        topics.clear();
        byte_index.clear();
        progress.clear();
        break;
      case EventKind::kDestroyTopic:
        if (e.ok) {
          topics.erase(e.topic);
          byte_index.erase(e.topic);
          progress.erase(e.topic);
        }
        break;
      case EventKind::kCrash:
        if (down_since == INT64_MIN) down_since = e.time_ns;
        break;
      case EventKind::kRecover:
        if (down_since != INT64_MIN) down.emplace_back(down_since, e.time_ns);
        down_since = INT64_MIN;
        break;
      case EventKind::kPowerLoss:
        last_power_loss = e.time_ns;
        for (auto& [topic, p] : progress) {
          for (auto& [g, r] : p.repassed) r.Clear();
        }
        break;
      case EventKind::kProduce:
        if (e.ok) {
          msgs[e.id] = Produced{e.id, e.bytes, e.time_ns, i, e.sync};
          byte_index[e.topic].Add(e.id, e.bytes);
        }
        break;
      case EventKind::kCreateGroup:
        // A (re-)created group starts at the earliest message and holds acks back until it
        // moves: liveness runs from its passes from now on.
        if (e.ok) {
          pr.position[e.group] = 0;
          pr.passed[e.group];
          pr.repassed[e.group].Clear();
          pr.judged_below = 0;
        }
        break;
      case EventKind::kDestroyGroup:
        pr.judged_below = 0;
        pr.position.erase(e.group);
        pr.passed.erase(e.group);
        pr.repassed.erase(e.group);
        break;
      case EventKind::kConsume:
        if (e.ok && !e.messages.empty() && pr.position.count(e.group)) {
          Pass(pr, e.group, e.messages.back().id + 1, e.time_ns, msgs);
        }
        break;
      case EventKind::kSeek:
        if (e.ok && pr.position.count(e.group)) {
          if (e.id > pr.position[e.group]) {
            Pass(pr, e.group, e.id, e.time_ns, msgs);
          } else {
            // Backwards: what it read stays read (never-early uses first reads), but pages
            // not yet acked wait for it again (the engine acks by current positions).
            pr.position[e.group] = e.id;
            auto& r = pr.repassed[e.group];
            r.EraseFrom(e.id);
          }
        }
        break;
      case EventKind::kSeekToLatest:
        if (e.ok && pr.position.count(e.group)) {
          Pass(pr, e.group, msgs.empty() ? 0 : msgs.rbegin()->first + 1, e.time_ns, msgs);
        }
        break;
      case EventKind::kReadAll: {
        if (!e.ok) break;
        const MessageId first = e.messages.empty() ? INT64_MAX : e.messages.front().id;
        // Never early: everything retained below `first`.
        for (auto it = msgs.lower_bound(pr.judged_below); it != msgs.end() && it->first < first;
             ++it) {
          const Produced& m = it->second;
          if (!m.sync && m.time_ns <= last_power_loss) continue;  // lost, not retained
          if (e.messages.empty() && m.time_ns <= last_power_loss) continue;
          int64_t all_passed = INT64_MIN;
          bool every_group = !pr.position.empty();
          for (const auto& [g, passed] : pr.passed) {
            const int64_t* p = passed.Find(m.id);
            if (p == nullptr) {
              every_group = false;
              break;
            }
            all_passed = std::max(all_passed, *p);
          }
          if (!every_group) {
            return Violation{Property::kRetention,
                             "topic " + e.topic + ": id " + std::to_string(m.id) +
                                 " was deleted before every consumer group had read it",
                             {m.event, i}};
          }
          if (b.size_bytes < 0 && all_passed + b.time_ns > e.time_ns) {
            return Violation{Property::kRetention,
                             "topic " + e.topic + ": id " + std::to_string(m.id) + " was deleted " +
                                 std::to_string((all_passed + b.time_ns - e.time_ns) / 1'000'000) +
                                 " ms before its retention time ran out",
                             {m.event, i}};
          }
        }
        if (!e.messages.empty()) {  // an empty read excuses some messages only for now
          auto end = msgs.lower_bound(first);
          if (end != msgs.begin())
            pr.judged_below = std::max(pr.judged_below, std::prev(end)->first + 1);
        }
        // Liveness (time rule): a message whose page was certainly closed and read by every
        // group (the groups passed a full page of bytes beyond it) long enough ago is gone.
        if (b.time_ns >= 0 && !pr.position.empty()) {
          for (auto it = msgs.lower_bound(first); it != msgs.end(); ++it) {
            // The first message at least a page of bytes further on.
            const std::optional<MessageId> beyond =
                byte_index[e.topic].PageBeyond(msgs, it->first, b.page_bytes);
            if (!beyond) break;
            int64_t all_passed = INT64_MIN;
            bool every_group = true;
            for (const auto& [g, passed] : pr.repassed) {
              const int64_t* p = passed.Find(*beyond);
              if (p == nullptr) {
                every_group = false;
                break;
              }
              all_passed = std::max(all_passed, *p);
            }
            if (!every_group) break;
            int64_t due = all_passed + b.time_ns + b.tick_ns + b.slack_ns;
            due += extension(all_passed, e.time_ns);
            bool present = false;
            for (const SeenMessage& m : e.messages) present = present || m.id == it->first;
            if (present && due < e.time_ns) {
              return Violation{
                  Property::kRetention,
                  "topic " + e.topic + ": id " + std::to_string(it->first) + " is still there " +
                      std::to_string((e.time_ns - due) / 1'000'000) +
                      " ms after it was due to be retained (every group had read id " +
                      std::to_string(*beyond) +
                      ", a page beyond it, at t=" + std::to_string(all_passed / 1'000'000) + "ms)",
                  {it->second.event, i}};
            }
            break;  // the oldest survivor decides: later ones are due later
          }
        }
        break;
      }
      default:
        break;
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckNoResurrection(const History& h) {
  std::map<std::string, MessageId> floor;  // topic -> first id seen by a read-all
  std::map<std::string, size_t> floor_event;
  // Payload digests of destroyed incarnations (a hash set, looked up only), and those of
  // the current one in produce order (an append per produce; searched only in the rare case
  // that a read returns a destroyed incarnation's payload).
  std::map<std::string, std::unordered_set<uint64_t>> destroyed;
  std::map<std::string, std::vector<uint64_t>> live;
  const auto& ev = h.events();
  for (size_t i = 0; i < ev.size(); ++i) {
    const HistoryEvent& e = ev[i];
    if (e.kind == EventKind::kSwitch) {
      floor.clear();
      destroyed.clear();
      live.clear();
    } else if (e.kind == EventKind::kDestroyTopic && e.ok) {
      destroyed[e.topic].insert(live[e.topic].begin(), live[e.topic].end());
      live.erase(e.topic);
      floor.erase(e.topic);
    } else if (e.kind == EventKind::kProduce) {
      live[e.topic].push_back(e.digest);
    } else if ((e.kind == EventKind::kConsume || e.kind == EventKind::kReadAll) && e.ok) {
      auto gone = destroyed.find(e.topic);
      const std::vector<uint64_t>& now = live[e.topic];
      for (const SeenMessage& m : e.messages) {
        if (gone != destroyed.end() && gone->second.count(m.digest) != 0 &&
            std::find(now.begin(), now.end(), m.digest) == now.end()) {
          return Violation{Property::kNoResurrection,
                           "topic " + e.topic +
                               ": a message of a destroyed "
                               "incarnation of the topic came back (id " +
                               std::to_string(m.id) + ")",
                           {i}};
        }
        auto f = floor.find(e.topic);
        if (f != floor.end() && m.id < f->second) {
          return Violation{Property::kNoResurrection,
                           "topic " + e.topic + ": id " + std::to_string(m.id) +
                               " came back after the topic was seen to start at " +
                               std::to_string(f->second),
                           {floor_event[e.topic], i}};
        }
      }
      if (e.kind == EventKind::kReadAll) {
        const MessageId first = e.messages.empty() ? INT64_MAX : e.messages.front().id;
        if (!e.messages.empty() && (floor.count(e.topic) == 0 || first > floor[e.topic])) {
          floor[e.topic] = first;
          floor_event[e.topic] = i;
        }
      }
    } else if (e.kind == EventKind::kPowerLoss) {
      // A power loss may legitimately bring back nothing but may drop the deletion record
      // of an unsynced eviction: the floors are only promises once re-observed.
      floor.clear();
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckNatsLimits(const History& h, const NatsLimits& l) {
  std::map<std::string, std::map<MessageId, Produced>> topics;
  const auto& ev = h.events();
  for (size_t i = 0; i < ev.size(); ++i) {
    const HistoryEvent& e = ev[i];
    if (e.kind == EventKind::kSwitch) topics.clear();
    if (e.kind == EventKind::kDestroyTopic && e.ok) topics.erase(e.topic);
    if (e.kind == EventKind::kProduce && e.ok) {
      topics[e.topic][e.id] = Produced{e.id, e.bytes, e.time_ns, i, e.sync};
    }
    if (e.kind != EventKind::kReadAll || !e.ok) continue;
    const auto& msgs = topics[e.topic];
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
    if (l.max_age_ns > 0) {
      for (const SeenMessage& m : e.messages) {
        auto p = msgs.find(m.id);
        if (p == msgs.end()) continue;
        if (p->second.time_ns + l.max_age_ns + l.slack_ns < e.time_ns) {
          return Violation{Property::kNatsLimits,
                           "stream " + e.topic + ": id " + std::to_string(m.id) + " is " +
                               std::to_string((e.time_ns - p->second.time_ns) / 1'000'000) +
                               " ms old, MaxAge is " + std::to_string(l.max_age_ns / 1'000'000) +
                               " ms",
                           {p->second.event, i}};
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace mqsim::properties
