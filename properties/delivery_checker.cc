#include "properties/delivery_checker.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

namespace mqsim::properties {

std::optional<Violation> CheckDeliveryLiveness(const History& h, int64_t bound_ns) {
  struct Subscription {
    size_t since = 0;  // the kSubscribe event
    MessageId last = backends::kNoMessage;
    // Ids only grow, so everything owed lies above the newest id acknowledged before it began.
    MessageId floor = backends::kNoMessage;
  };
  using Key = std::pair<std::string, std::string>;
  std::map<Key, Subscription> subs;
  // Per topic, acknowledged produces by id: the event index (their time is in the event).
  std::map<std::string, std::map<MessageId, size_t>> acked;
  const auto& ev = h.events();
  for (size_t i = 0; i < ev.size(); ++i) {
    const HistoryEvent& e = ev[i];
    switch (e.kind) {
      case EventKind::kSwitch:
      case EventKind::kCrash:
      case EventKind::kPowerLoss:
      case EventKind::kRecover:
        subs.clear();
        break;
      case EventKind::kDestroyTopic:
        if (!e.ok) break;
        acked.erase(e.topic);
        std::erase_if(subs, [&](const auto& s) { return s.first.first == e.topic; });
        break;
      case EventKind::kDestroyGroup:
        if (e.ok) subs.erase({e.topic, e.group});
        break;
      case EventKind::kProduce:
        if (e.ok) acked[e.topic][e.id] = i;
        break;
      case EventKind::kSubscribe:
        if (e.ok) {
          const auto& a = acked[e.topic];
          subs[{e.topic, e.group}] = Subscription{
              i, backends::kNoMessage, a.empty() ? backends::kNoMessage : a.rbegin()->first};
        }
        break;
      case EventKind::kReceive: {
        auto s = subs.find({e.topic, e.group});
        if (!e.ok || s == subs.end()) break;
        Subscription& sub = s->second;
        // The first message owed: acknowledged after the subscription began, above the last
        // one received.
        std::optional<std::pair<MessageId, size_t>> owed;
        const auto& a = acked[e.topic];
        for (auto it = a.upper_bound(std::max(sub.last, sub.floor)); it != a.end(); ++it) {
          if (it->second > sub.since && it->second < i) {
            owed = *it;
            break;
          }
        }
        const std::string who = "topic " + e.topic + " subscriber " + e.group;
        for (const SeenMessage& m : e.messages) {
          if (m.id <= sub.last) {
            return Violation{Property::kDeliveryLiveness,
                             who + ": received id " + std::to_string(m.id) + " after id " +
                                 std::to_string(sub.last),
                             {sub.since, i}};
          }
          if (owed && m.id > owed->first) {
            return Violation{Property::kDeliveryLiveness,
                             who + ": received id " + std::to_string(m.id) +
                                 " before acknowledged id " + std::to_string(owed->first),
                             {owed->second, i}};
          }
          if (owed && m.id == owed->first) owed.reset();
          sub.last = m.id;
        }
        if (e.messages.empty() && owed && e.time_ns - ev[owed->second].time_ns > bound_ns) {
          return Violation{Property::kDeliveryLiveness,
                           who + ": the application found its buffer empty " +
                               std::to_string((e.time_ns - ev[owed->second].time_ns) / 1'000'000) +
                               " ms after id " + std::to_string(owed->first) +
                               " was acknowledged; it was never delivered",
                           {sub.since, owed->second, i}};
        }
        break;
      }
      default:
        break;
    }
  }
  return std::nullopt;
}

}  // namespace mqsim::properties
