// TopicWalker: the life of every topic of a history, kept once for the checkers that judge
// a history topic by topic (checkers.h, retention_checkers.h, delivery_checker.h).
//
// A topic incarnation runs from the topic's first event to a successful DestroyTopic (a
// topic created again under the same name starts empty), a failed DestroyTopic that the
// store shows later to have happened, or a switch of mq.type (the new store starts with no
// topics). For each incarnation the walker keeps the acknowledged
// produces (AckedIndex) next to the checker's own State; over the whole run it keeps the
// time of the last power loss, which decides what was promised durable.
//
// Crashes and recoveries are left to the checkers: what a restart forgets (a group's
// expected position, a push subscription, a retention pass due) differs from property to
// property.
#pragma once

#include <absl/status/status.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "backends/message_queue.h"
#include "base/assert.h"
#include "properties/acked_index.h"
#include "properties/history.h"

namespace mqsim::properties {

template <typename State>
class TopicWalker {
 public:
  struct Topic {
    AckedIndex acked;
    State state{};
    MessageId max_acked = backends::kNoMessage;  // the highest id this incarnation acknowledged
    bool maybe_destroyed = false;                // a DestroyTopic failed since the last produce
    AckedIndex before_destroy;  // while maybe_destroyed: what was acknowledged before it
  };
  // What a switch of mq.type does to the topics: kForgetTopics ends every incarnation.
  // kKeepTopics keeps them (acknowledged ids included) into the new store.
  enum class AtSwitch { kForgetTopics, kKeepTopics };

  explicit TopicWalker(const History& h, AtSwitch at_switch = AtSwitch::kForgetTopics)
      : history_(h), at_switch_(at_switch) {}

  // Walks the history once, in order. Each event goes to judge(i, event) first, then the
  // walker applies it:
  //   - a switch of mq.type forgets every topic (with kForgetTopics);
  //   - a successful DestroyTopic forgets its topic; a failed one (not NOT_FOUND) may have
  //     happened: nobody is owed the topic's messages any more, and the next acknowledged
  //     produce decides: an id at or below max_acked shows the topic was destroyed and
  //     created again (natsmq numbers a new stream from 1), so a new incarnation begins
  //     before the judge sees that produce; a higher id continues the incarnation;
  //   - an acknowledged Produce joins its topic's AckedIndex;
  //   - a Purge or DeleteMessage, ok or failed (a failed one may have happened; not a
  //     delete answered NOT_FOUND), takes what it removes out of the AckedIndex: no property
  //     owes those messages to anyone;
  //   - a power loss becomes the last one (last_power_loss_ns()).
  // So the judge sees the topics as they were just before the event: a produce's id is not
  // in the index yet, a topic being destroyed still has its state. The first verdict the
  // judge returns that converts to true (a violation) ends the walk and is returned.
  // REQUIRES: called once.
  template <typename Judge>
  auto Walk(Judge&& judge) -> std::invoke_result_t<Judge&, size_t, const HistoryEvent&> {
    MQSIM_ASSERT(!walked_);
    walked_ = true;
    const std::deque<HistoryEvent>& events = history_.events();
    for (size_t i = 0; i < events.size(); ++i) {
      ResolveDestroy(events[i]);
      if (auto verdict = judge(i, events[i])) return verdict;
      Apply(i, events[i]);
    }
    return {};
  }

  // The current incarnation of topic `name`, created empty on first use.
  Topic& topic(const std::string& name) { return topics_[name]; }
  // Every topic that has state, by name.
  std::map<std::string, Topic>& topics() { return topics_; }
  const History& history() const { return history_; }
  const HistoryEvent& event(size_t i) const { return history_.events()[i]; }
  // The time of the last power loss walked over; INT64_MIN before the first.
  int64_t last_power_loss_ns() const { return last_power_loss_ns_; }
  // Whether an acknowledged produce was promised durable: it was synced; or acknowledged
  // after the last power loss (one before it may have taken it); or a sync pass of the
  // store completed after it with no power loss in between (kSync; strictly later, so an
  // acknowledgement at the pass's own instant is not counted).
  // REQUIRES: `produce` is an acknowledged kProduce.
  bool Promised(const HistoryEvent& produce) const {
    MQSIM_ASSERT(produce.kind == EventKind::kProduce && produce.ok);
    if (produce.sync || produce.time_ns > last_power_loss_ns_) return true;
    // The span between two power losses that holds the produce: its last completed sync.
    auto span = synced_until_ns_.lower_bound(produce.time_ns);  // first loss at or after it
    return span != synced_until_ns_.end() && span->second > produce.time_ns;
  }

 private:
  // What the first acknowledged produce after a failed DestroyTopic shows (Walk's contract),
  // or a read before it: an id delivered with another payload than it was acknowledged
  // with before the destroy (a produce into the new stream read while still being answered).
  void ResolveDestroy(const HistoryEvent& e) {
    const bool read = e.kind == EventKind::kConsume || e.kind == EventKind::kReceive ||
                      e.kind == EventKind::kReadAll;
    if (!e.ok || (e.kind != EventKind::kProduce && !read)) return;
    auto t = topics_.find(e.topic);
    if (t == topics_.end() || !t->second.maybe_destroyed) return;
    if (read) {
      if (ReadShowsNewStream(t->second, e)) topics_.erase(t);
      return;
    }
    if (e.id <= t->second.max_acked) {
      topics_.erase(t);
    } else {
      t->second.maybe_destroyed = false;
      t->second.before_destroy.Clear();
    }
  }
  bool ReadShowsNewStream(const Topic& t, const HistoryEvent& e) const {
    for (const SeenMessage& m : e.messages) {
      const AckedIndex::Entry* before = t.before_destroy.Find(m.id);
      if (before != nullptr && history_.events()[before->event].digest != m.digest) return true;
    }
    return false;
  }

  void Apply(size_t i, const HistoryEvent& e) {
    switch (e.kind) {
      case EventKind::kSwitch:
        if (at_switch_ == AtSwitch::kForgetTopics) topics_.clear();
        break;
      case EventKind::kDestroyTopic:
        if (e.ok) {
          topics_.erase(e.topic);
        } else if (e.code != static_cast<int>(absl::StatusCode::kNotFound)) {
          Topic& t = topics_[e.topic];
          t.maybe_destroyed = true;
          if (t.before_destroy.empty()) t.before_destroy = std::move(t.acked);
          t.acked.Clear();
        }
        break;
      case EventKind::kProduce:
        if (e.ok) {
          Topic& t = topics_[e.topic];
          t.acked.Put(e.id, i);
          t.max_acked = std::max(t.max_acked, e.id);
        }
        break;
      case EventKind::kPowerLoss:
        synced_until_ns_[e.time_ns] = last_sync_ns_;
        last_power_loss_ns_ = e.time_ns;
        break;
      case EventKind::kSync:
        last_sync_ns_ = e.time_ns;
        break;
      case EventKind::kPurge:  // a failed one may have happened: nobody is owed them either
        topics_[e.topic].acked.EraseIf([](const AckedIndex::Entry&) { return true; });
        break;
      case EventKind::kDeleteMessage:  // NOT_FOUND: the store says it was not there
        if (e.ok || e.code != static_cast<int>(absl::StatusCode::kNotFound)) {
          topics_[e.topic].acked.EraseIf([&](const AckedIndex::Entry& a) { return a.id == e.id; });
        }
        break;
      default:
        break;
    }
  }

  const History& history_;
  const AtSwitch at_switch_;
  std::map<std::string, Topic> topics_;
  int64_t last_power_loss_ns_ = INT64_MIN;
  int64_t last_sync_ns_ = INT64_MIN;
  // Per power loss (its time), the last sync pass completed before it: what that loss could
  // not take is what was acknowledged before that pass and after the previous loss.
  std::map<int64_t, int64_t> synced_until_ns_;
  bool walked_ = false;
};

}  // namespace mqsim::properties
