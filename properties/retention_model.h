// RetentionModel: what RocksMQ's retention rules (rocksmq.md) allow of every topic at each
// moment of a history, for CheckRetention's judges (retention_checkers.cc). It reads the
// history only, like every checker.
//
// RocksMQ acknowledges a page once every consumer group's position has passed it, and its
// retention ticker deletes acknowledged pages once retention_time has run since. So the
// model follows, per topic incarnation (TopicWalker):
//   - when each group's position first moved past each acknowledged id (a consume beyond
//     it, a seek past it): a message may go only once every group has passed it;
//   - the same since the last power loss, which may take the engine's unsynced ack records
//     with it: the liveness bound runs from these;
//   - the cumulative payload bytes by id, to find the first message certainly in a later
//     page than a given one;
// and, over the whole run, when the store was down: nothing is retained then, and after
// each start the ticker waits a full interval, so both extend the liveness bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "properties/acked_index.h"
#include "properties/history.h"
#include "properties/retention_checkers.h"
#include "properties/topic_walker.h"

namespace mqsim::properties {

// When a group first moved past each id, in id order. Groups pass ids in increasing order,
// so recording is an append; a pass over an id already recorded keeps the first time.
class FirstPasses {
 public:
  void Emplace(MessageId id, int64_t t_ns);
  // The first time the group passed `id`, or nullptr if it has not.
  const int64_t* Find(MessageId id) const;
  // Forgets the passes over `id` and everything above it.
  void EraseFrom(MessageId id);
  void Clear() { at_.clear(); }

 private:
  using Pass = std::pair<MessageId, int64_t>;
  std::vector<Pass>::const_iterator LowerBound(MessageId id) const;
  std::vector<Pass> at_;  // strictly increasing ids
};

// A topic's acknowledged messages in id order with their cumulative payload bytes, to find
// "a page of bytes beyond" a message by bisection instead of a walk. Appends are O(1); an
// id at or below the last one (never in a well-ordered history) marks it stale, and the
// next query rebuilds it from the topic's AckedIndex.
class ByteIndex {
 public:
  void Add(MessageId id, uint64_t bytes);
  // With `from` an acknowledged id: the message after the first one whose bytes, counted
  // from the message after `from`, exceed page_bytes (the first message certainly in a
  // later page); nullopt if there is none yet.
  // REQUIRES: `acked` is the topic's index, over history `h`, that every Add() came from.
  std::optional<MessageId> PageBeyond(const AckedIndex& acked, const History& h, MessageId from,
                                      int64_t page_bytes);

 private:
  void Rebuild(const AckedIndex& acked, const History& h);
  std::vector<MessageId> ids_;
  std::vector<int64_t> sums_;  // sums_[k]: the bytes of ids_[0..k]
  bool stale_ = false;
};

// One consumer group's progress through a topic incarnation.
struct GroupProgress {
  MessageId position = 0;  // the next id it reads
  FirstPasses passed;      // over the whole incarnation (never-early runs from these)
  FirstPasses repassed;    // since the last power loss (the liveness bound runs from these)
};

// What the model keeps of one topic incarnation, beside its acknowledged messages.
struct RetentionTopic {
  std::map<std::string, GroupProgress> groups;  // by name
  ByteIndex bytes;
  // Ids below this were found rightly retained at an earlier read-all. The verdict cannot
  // change later (first passes only accumulate and time only grows) until the set of
  // groups changes, which resets it; so each retained message is judged once.
  MessageId judged_below = 0;
  // The engine's acknowledgement floor over time: (floor, since ns), both increasing. The
  // floor is the highest the lowest position of the groups that exist has ever been: an id
  // below it is acknowledged, and stays so (an ack time is set once), whichever groups come
  // or go later.
  std::vector<std::pair<MessageId, int64_t>> floors;
};

// The periods the store was down: from a crash to the recovery after it.
class Downtime {
 public:
  void Crash(int64_t t_ns);
  void Recover(int64_t t_ns);
  // The time within [from_ns, to_ns) the store was down (periods still open not counted),
  // plus a ticker interval per period that overlaps it.
  int64_t ExtensionNs(int64_t from_ns, int64_t to_ns, int64_t tick_ns) const;

 private:
  std::vector<std::pair<int64_t, int64_t>> down_;  // [crash, recover) intervals
  int64_t down_since_ns_ = INT64_MIN;              // INT64_MIN: up
};

class RetentionModel {
 public:
  using Walker = TopicWalker<RetentionTopic>;
  using Topic = Walker::Topic;
  // When a message was due to be gone: every group had passed `beyond`, the first message
  // a page beyond it, by `read_ns` (since the last power loss); retention_time, a ticker
  // interval, the slack and the downtime in between later it is `at_ns`.
  struct Due {
    MessageId beyond;
    int64_t read_ns;
    int64_t at_ns;
  };

  RetentionModel(const History& h, const RetentionBounds& b) : walker_(h), bounds_(b) {}

  // Walks the history once. Each successful read-all goes to judge(i, event, topic) and
  // then into the model; every other event only into the model. The first violation the
  // judge returns ends the walk and is returned. REQUIRES: called once.
  template <typename Judge>
  std::optional<Violation> Walk(Judge&& judge) {
    return walker_.Walk([&](size_t i, const HistoryEvent& e) -> std::optional<Violation> {
      if (e.kind == EventKind::kReadAll && e.ok) {
        if (auto v = judge(i, e, walker_.topic(e.topic))) return v;
      }
      Apply(e);
      return std::nullopt;
    });
  }

  // Like Walk, but every event goes to judge(i, event) before it enters the model.
  // REQUIRES: called once, instead of Walk.
  template <typename Judge>
  std::optional<Violation> WalkEvery(Judge&& judge) {
    return walker_.Walk([&](size_t i, const HistoryEvent& e) -> std::optional<Violation> {
      if (auto v = judge(i, e)) return v;
      Apply(e);
      return std::nullopt;
    });
  }
  // The topic's current incarnation (inside a walk's judge).
  Topic& topic(const std::string& name) { return walker_.topic(name); }

  // When every group of the topic had first passed `id`: the latest of their first passes;
  // nullopt if some group has not, or the topic has no group.
  std::optional<int64_t> PassedByEveryGroupNs(const Topic& t, MessageId id) const;
  // The earliest time `id` can have been acknowledged by the engine: the earlier of
  // PassedByEveryGroupNs (the groups there now) and the moment the acknowledgement floor of
  // the groups that existed then passed it (a group destroyed and made again does not
  // undo what was acknowledged while it was gone). nullopt if neither happened.
  std::optional<int64_t> AcknowledgedNs(const Topic& t, MessageId id) const;
  // When `id`, an acknowledged message of the topic, was due to be gone at the latest
  // under the time rule, judged at `now_ns`; nullopt while it is not due at all (no page
  // beyond it yet, or some group has not passed that page since the last power loss).
  std::optional<Due> DueBy(Topic& t, MessageId id, int64_t now_ns);

  const RetentionBounds& bounds() const { return bounds_; }
  const HistoryEvent& event(size_t i) const { return walker_.event(i); }
  int64_t last_power_loss_ns() const { return walker_.last_power_loss_ns(); }
  // When the last retention pass ran (a kRetention event), or nullopt before the first one
  // (histories that do not record passes).
  std::optional<int64_t> last_retention_ns() const { return last_retention_ns_; }
  bool Promised(const HistoryEvent& produce) const { return walker_.Promised(produce); }

 private:
  // Takes an event in, after the judge saw it (a read-all) and before the walker does.
  void Apply(const HistoryEvent& e);
  void ApplyToGroup(const HistoryEvent& e);
  // The group's position moves forward to `next` at `t_ns`: it passes every acknowledged
  // id in [position, next).
  static void Advance(Topic& t, GroupProgress& g, MessageId next, int64_t t_ns);
  // The lowest position of the topic's groups. REQUIRES: the topic has a group.
  static MessageId LowestPosition(const Topic& t);
  // Raises the topic's acknowledgement floor to its groups' lowest position, if higher.
  static void RaiseFloor(Topic& t, int64_t t_ns);

  Walker walker_;
  Downtime downtime_;
  std::optional<int64_t> last_retention_ns_;
  const RetentionBounds bounds_;
};

}  // namespace mqsim::properties
