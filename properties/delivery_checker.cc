#include "properties/delivery_checker.h"

#include <algorithm>
#include <deque>
#include <map>
#include <string>
#include <utility>

#include "base/assert.h"
#include "properties/topic_walker.h"

namespace mqsim::properties {

namespace {

struct Subscription {
  size_t since = 0;  // the kSubscribe event
  MessageId last = backends::kNoMessage;
  // Ids only grow, so everything owed lies above the newest id acknowledged before it began.
  MessageId floor = backends::kNoMessage;
  // The last fetch of its delivery task the store refused: it retries on its next run, so
  // a message owed before then is owed promptly only from then on.
  int64_t refused_ns = 0;
  // Payload bytes its delivery task took from the group that the application has not yet
  // received (what the store holds in the subscriber's buffer).
  uint64_t buffered = 0;
};

// Per topic, the live subscriptions by group.
using SubscriptionWalker = TopicWalker<std::map<std::string, Subscription>>;

// Subscriptions whose group or topic was destroyed, by (topic, group): the event that ended
// each. The application still holds them until it finds them closed and subscribes anew.
using EndedSubscriptions = std::map<std::pair<std::string, std::string>, size_t>;

// The first message `sub` is owed at event i: acknowledged after the subscription began,
// above the last one received.
std::optional<AckedIndex::Entry> FirstOwed(const AckedIndex& acked, const Subscription& sub,
                                           size_t i) {
  for (auto it = acked.UpperBound(std::max(sub.last, sub.floor)); it != acked.end(); ++it) {
    MQSIM_ASSERT(it->event < i);  // the walker records a produce after judging it
    if (it->event > sub.since) return *it;
  }
  return std::nullopt;
}

// A Receive: what it holds comes in id order and passes over nothing owed; an empty one
// means nothing was owed for longer than bound_ns.
std::optional<Violation> JudgeReceive(const SubscriptionWalker& w, const AckedIndex& acked,
                                      Subscription& sub, int64_t bound_ns, size_t i,
                                      const HistoryEvent& e) {
  std::optional<AckedIndex::Entry> owed = FirstOwed(acked, sub, i);
  const std::string who = "topic " + e.topic + " subscriber " + e.group;
  for (const SeenMessage& m : e.messages) {
    if (m.id <= sub.last) {
      return Violation{
          Property::kDeliveryLiveness,
          who + ": received id " + std::to_string(m.id) + " after id " + std::to_string(sub.last),
          {sub.since, i}};
    }
    if (owed && m.id > owed->id) {
      return Violation{Property::kDeliveryLiveness,
                       who + ": received id " + std::to_string(m.id) + " before acknowledged id " +
                           std::to_string(owed->id),
                       {owed->event, i}};
    }
    if (owed && m.id == owed->id) owed.reset();
    sub.last = m.id;
  }
  if (!e.messages.empty() || !owed) return std::nullopt;
  const int64_t acked_ns = w.event(owed->event).time_ns;
  if (e.time_ns - std::max(acked_ns, sub.refused_ns) <= bound_ns) return std::nullopt;
  return Violation{Property::kDeliveryLiveness,
                   who + ": the application found its buffer empty " +
                       std::to_string((e.time_ns - acked_ns) / 1'000'000) + " ms after id " +
                       std::to_string(owed->id) + " was acknowledged" +
                       (sub.refused_ns > acked_ns
                            ? " and " + std::to_string((e.time_ns - sub.refused_ns) / 1'000'000) +
                                  " ms after the store last refused its delivery task"
                            : "") +
                       "; it was never delivered",
                   {sub.since, owed->event, i}};
}

// Whether the process crashed at the instant of event i (a crash point inside the call:
// the call fails, and the crash follows at the same simulated time).
bool CrashedAtOnce(const SubscriptionWalker& w, size_t i) {
  const std::deque<HistoryEvent>& events = w.history().events();
  for (size_t k = i + 1; k < events.size() && events[k].time_ns == events[i].time_ns; ++k) {
    if (events[k].kind == EventKind::kCrash || events[k].kind == EventKind::kPowerLoss) {
      return true;
    }
  }
  return false;
}

// A Receive on a subscription nobody ended fails: the store closed it on its own. One on a
// subscription whose group or topic was destroyed answers ok with nothing: the store never
// closed it (what it had buffered before may still come out).
std::optional<Violation> JudgeClosing(const SubscriptionWalker& w,
                                      const SubscriptionWalker::Topic& t,
                                      const EndedSubscriptions& ended, size_t i,
                                      const HistoryEvent& e) {
  auto who = [&e] { return "topic " + e.topic + " subscriber " + e.group; };
  auto live = t.state.find(e.group);
  if (live != t.state.end()) {
    if (e.ok || CrashedAtOnce(w, i)) return std::nullopt;
    return Violation{Property::kDeliveryLiveness,
                     who() +
                         ": the store closed the subscription, though neither its group nor its "
                         "topic was destroyed and the store did not stop",
                     {live->second.since, i}};
  }
  auto gone = ended.find({e.topic, e.group});
  if (gone == ended.end() || !e.ok || !e.messages.empty()) return std::nullopt;
  const EventKind by = w.event(gone->second).kind;
  const std::string why = by == EventKind::kDestroyTopic   ? "its topic was destroyed"
                          : by == EventKind::kDestroyGroup ? "its group was destroyed"
                                                           : "it was cut off as a slow consumer";
  return Violation{Property::kDeliveryLiveness,
                   who() + ": the subscription still answers, with nothing, after " + why +
                       ": it was never closed",
                   {gone->second, i}};
}

uint64_t Bytes(const SeenMessages& messages) {
  uint64_t bytes = 0;
  for (const SeenMessage& m : messages) bytes += m.bytes;
  return bytes;
}

// A Receive on a live subscription against the store's buffer bound: cut off as a slow
// consumer (ResourceExhausted) exactly when more than the bound is buffered. Sets `ended`
// when the cut-off was right: the subscription is over.
std::optional<Violation> JudgeSlowConsumer(const Subscription& sub, uint64_t max_pending, size_t i,
                                           const HistoryEvent& e, bool* ended) {
  const std::string who = "topic " + e.topic + " subscriber " + e.group;
  const bool over = sub.buffered > max_pending;
  const bool cut = !e.ok && e.code == static_cast<int>(absl::StatusCode::kResourceExhausted);
  if (!e.ok && !cut) return std::nullopt;  // another failure: the closing rules judge it
  if (cut == over) {
    *ended = cut;
    return std::nullopt;
  }
  const std::string held =
      std::to_string(sub.buffered) + " bytes buffered, maxPending " + std::to_string(max_pending);
  return Violation{Property::kDeliveryLiveness,
                   who + (cut ? ": cut off as a slow consumer with only " + held
                              : ": not cut off as a slow consumer with " + held),
                   {sub.since, i}};
}

// A successful destroy ends the subscriptions it names (the whole topic's, or one group's).
void EndSubscriptions(SubscriptionWalker::Topic& t, EndedSubscriptions& ended, size_t i,
                      const HistoryEvent& e) {
  for (auto it = t.state.begin(); it != t.state.end();) {
    if (e.kind == EventKind::kDestroyGroup && it->first != e.group) {
      ++it;
      continue;
    }
    ended[{e.topic, it->first}] = i;
    it = t.state.erase(it);
  }
}

// A Receive: a slow-consumer cut-off first (it ends the subscription), then the closing
// rules, then what it received.
std::optional<Violation> Receive(SubscriptionWalker& w, EndedSubscriptions& ended, int64_t bound_ns,
                                 std::optional<uint64_t> max_pending, size_t i,
                                 const HistoryEvent& e) {
  SubscriptionWalker::Topic& t = w.topic(e.topic);
  auto s = t.state.find(e.group);
  if (max_pending && s != t.state.end()) {
    bool cut_off = false;
    if (auto v = JudgeSlowConsumer(s->second, *max_pending, i, e, &cut_off)) return v;
    if (cut_off) {
      ended[{e.topic, e.group}] = i;
      t.state.erase(s);
      return std::nullopt;
    }
  }
  if (auto v = JudgeClosing(w, t, ended, i, e)) return v;
  if (!e.ok || s == t.state.end()) return std::nullopt;
  s->second.buffered -= std::min(s->second.buffered, Bytes(e.messages));
  return JudgeReceive(w, t.acked, s->second, bound_ns, i, e);
}

}  // namespace

std::optional<Violation> CheckDeliveryLiveness(const History& h, sim::Duration bound,
                                               std::optional<uint64_t> max_pending_bytes) {
  const int64_t bound_ns = bound.nanos();
  // A switch ends the subscriptions but not the topics' acknowledged ids: a subscription
  // that begins after it owes only ids above the newest one ever acknowledged on the topic.
  SubscriptionWalker w(h, SubscriptionWalker::AtSwitch::kKeepTopics);
  EndedSubscriptions ended;
  return w.Walk([&](size_t i, const HistoryEvent& e) -> std::optional<Violation> {
    switch (e.kind) {
      case EventKind::kSwitch:
      case EventKind::kCrash:
      case EventKind::kPowerLoss:
      case EventKind::kRecover:
        // The harness subscribes anew after a restart, and drops what it held.
        for (auto& [name, t] : w.topics()) t.state.clear();
        ended.clear();
        break;
      case EventKind::kDestroyTopic:
      case EventKind::kDestroyGroup:
        if (e.ok) EndSubscriptions(w.topic(e.topic), ended, i, e);
        break;
      case EventKind::kSubscribe:
        if (e.ok) {
          SubscriptionWalker::Topic& t = w.topic(e.topic);
          const MessageId floor = t.acked.empty() ? backends::kNoMessage : t.acked.back().id;
          t.state[e.group] = Subscription{i, backends::kNoMessage, floor};
          ended.erase({e.topic, e.group});
        }
        break;
      case EventKind::kConsume: {  // a push group's consumption is its delivery task's
        auto s = w.topic(e.topic).state.find(e.group);
        if (s == w.topic(e.topic).state.end()) break;
        if (e.ok) s->second.buffered += Bytes(e.messages);
        if (!e.ok) s->second.refused_ns = e.time_ns;
        break;
      }
      case EventKind::kReceive:
        return Receive(w, ended, bound_ns, max_pending_bytes, i, e);
      default:
        break;
    }
    return std::nullopt;
  });
}

}  // namespace mqsim::properties
