#include "properties/delivery_checker.h"

#include <algorithm>
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
};

// Per topic, the live subscriptions by group.
using SubscriptionWalker = TopicWalker<std::map<std::string, Subscription>>;

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
  const int64_t waited_ns = e.time_ns - w.event(owed->event).time_ns;
  if (waited_ns <= bound_ns) return std::nullopt;
  return Violation{Property::kDeliveryLiveness,
                   who + ": the application found its buffer empty " +
                       std::to_string(waited_ns / 1'000'000) + " ms after id " +
                       std::to_string(owed->id) + " was acknowledged; it was never delivered",
                   {sub.since, owed->event, i}};
}

}  // namespace

std::optional<Violation> CheckDeliveryLiveness(const History& h, sim::Duration bound) {
  const int64_t bound_ns = bound.nanos();
  // A switch ends the subscriptions but not the topics' acknowledged ids: a subscription
  // that begins after it owes only ids above the newest one ever acknowledged on the topic.
  SubscriptionWalker w(h, SubscriptionWalker::AtSwitch::kKeepTopics);
  return w.Walk([&](size_t i, const HistoryEvent& e) -> std::optional<Violation> {
    switch (e.kind) {
      case EventKind::kSwitch:
      case EventKind::kCrash:
      case EventKind::kPowerLoss:
      case EventKind::kRecover:
        // The harness subscribes anew after a restart.
        for (auto& [name, t] : w.topics()) t.state.clear();
        break;
      case EventKind::kDestroyGroup:
        if (e.ok) w.topic(e.topic).state.erase(e.group);
        break;
      case EventKind::kSubscribe:
        if (e.ok) {
          SubscriptionWalker::Topic& t = w.topic(e.topic);
          const MessageId floor = t.acked.empty() ? backends::kNoMessage : t.acked.back().id;
          t.state[e.group] = Subscription{i, backends::kNoMessage, floor};
        }
        break;
      case EventKind::kReceive: {
        SubscriptionWalker::Topic& t = w.topic(e.topic);
        auto s = t.state.find(e.group);
        if (e.ok && s != t.state.end()) return JudgeReceive(w, t.acked, s->second, bound_ns, i, e);
        break;
      }
      default:
        break;
    }
    return std::nullopt;
  });
}

}  // namespace mqsim::properties
