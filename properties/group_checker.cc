#include "properties/group_checker.h"

#include <absl/status/status.h>

#include <deque>
#include <map>
#include <string>

namespace mqsim::properties {

namespace {

// Per topic known to exist, its groups known to exist: group name -> the creating event.
using Known = std::map<std::string, std::map<std::string, size_t>>;

bool IsGroupCall(EventKind k) {
  return k == EventKind::kConsume || k == EventKind::kSeek || k == EventKind::kSeekToLatest ||
         k == EventKind::kSubscribe;
}

// CreateTopic is idempotent (MessageQueue): Milvus adds a topic's stream again at every
// producer and consumer it makes, so an existing topic must be answered ok, never
// ALREADY_EXISTS (nor INVALID_ARGUMENT for the configuration it was created with).
std::optional<Violation> JudgeCreateTopic(const Known& known, size_t i, const HistoryEvent& e) {
  const auto code = static_cast<absl::StatusCode>(e.code);
  if (e.ok || (code != absl::StatusCode::kAlreadyExists &&
               (code != absl::StatusCode::kInvalidArgument || known.count(e.topic) == 0))) {
    return std::nullopt;
  }
  return Violation{Property::kGroupsKept,
                   "topic " + e.topic + ": CreateTopic answered " + absl::StatusCodeToString(code) +
                       ", but creating a topic is idempotent (an existing topic with the same "
                       "configuration is answered ok)",
                   {i}};
}

std::optional<Violation> Judge(const Known& known, size_t i, const HistoryEvent& e) {
  if (e.kind == EventKind::kCreateTopic) return JudgeCreateTopic(known, i, e);
  if (!IsGroupCall(e.kind) || e.ok || e.code != static_cast<int>(absl::StatusCode::kNotFound)) {
    return std::nullopt;
  }
  auto t = known.find(e.topic);
  if (t == known.end()) return std::nullopt;
  auto g = t->second.find(e.group);
  if (g == t->second.end()) return std::nullopt;
  return Violation{Property::kGroupsKept,
                   "topic " + e.topic + " group " + e.group + ": " + std::string(ToString(e.kind)) +
                       " answered NOT_FOUND, though the group was made at event " +
                       std::to_string(g->second) +
                       " and neither it nor its topic was destroyed, nor the store restarted",
                   {g->second, i}};
}

void Apply(Known& known, size_t i, const HistoryEvent& e) {
  switch (e.kind) {
    case EventKind::kCrash:
    case EventKind::kPowerLoss:
    case EventKind::kRecover:
    case EventKind::kSwitch:
      known.clear();
      break;
    case EventKind::kCreateTopic:
      if (e.ok) known[e.topic];
      break;
    case EventKind::kDestroyTopic:
      known.erase(e.topic);
      break;
    case EventKind::kCreateGroup: {
      auto t = known.find(e.topic);
      const bool made = e.ok || e.code == static_cast<int>(absl::StatusCode::kAlreadyExists);
      if (t != known.end() && made) t->second.emplace(e.group, i);
      break;
    }
    case EventKind::kSeek:
    case EventKind::kSeekToLatest:
      if (e.ok) break;
      [[fallthrough]];  // a failed seek may have deleted the consumer it was re-creating
    case EventKind::kDestroyGroup: {
      auto t = known.find(e.topic);
      if (t != known.end()) t->second.erase(e.group);
      break;
    }
    default:
      break;
  }
}

}  // namespace

std::optional<Violation> CheckGroupsKept(const History& h) {
  Known known;
  const std::deque<HistoryEvent>& events = h.events();
  for (size_t i = 0; i < events.size(); ++i) {
    if (auto v = Judge(known, i, events[i])) return v;
    Apply(known, i, events[i]);
  }
  return std::nullopt;
}

}  // namespace mqsim::properties
