#include "scenarios/clean_restart.h"

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include <functional>
#include <utility>
#include <vector>

#include "backends/message_queue.h"
#include "base/assert.h"
#include "properties/property.h"
#include "scenarios/harness.h"

namespace mqsim::scenarios {

namespace {

using backends::MessageQueue;
using properties::Property;
using properties::Violation;

template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

// Every call of the API, named, on a closed store. The group need not exist: a closed store
// refuses before it looks.
std::vector<std::pair<const char*, std::function<absl::Status()>>> Calls(MessageQueue& q,
                                                                         const std::string& t) {
  const std::string g = "mqsim-after-close";
  return {
      {"CreateTopic", [&q, t] { return q.CreateTopic(t); }},
      {"Produce", [&q, t] { return StatusOf(q.Produce(t, "after close")); }},
      {"ProduceMany",
       [&q, t] {
         return StatusOf(q.ProduceMany(t, {"after", "close"}));
       }},
      {"CreateConsumerGroup", [&q, t, g] { return q.CreateConsumerGroup(t, g); }},
      {"Consume", [&q, t, g] { return StatusOf(q.Consume(t, g, 1)); }},
      {"Seek", [&q, t, g] { return q.Seek(t, g, 1); }},
      {"SeekToLatest", [&q, t, g] { return q.SeekToLatest(t, g); }},
      {"GetLatestMsg", [&q, t] { return StatusOf(q.GetLatestMsg(t)); }},
      {"Subscribe", [&q, t, g] { return StatusOf(q.Subscribe(t, g, {})); }},
      {"Read", [&q, t] { return StatusOf(q.Read(t, 0, 1)); }},
      {"Accounting", [&q, t] { return StatusOf(q.Accounting(t)); }},
      {"DeleteMessage", [&q, t] { return q.DeleteMessage(t, 1); }},
      {"Purge", [&q, t] { return q.Purge(t); }},
      {"DestroyConsumerGroup", [&q, t, g] { return q.DestroyConsumerGroup(t, g); }},
      {"DestroyTopic", [&q, t] { return q.DestroyTopic(t); }},
      {"Close", [&q] { return q.Close(); }},  // a second close: there is nothing left to close
  };
}

}  // namespace

std::optional<Violation> RefusedAfterClose(MessageQueue& q, const std::string& topic) {
  for (const auto& [name, call] : Calls(q, topic)) {
    const absl::Status s = call();
    if (absl::IsFailedPrecondition(s) || absl::IsUnimplemented(s)) continue;
    return Violation{Property::kShutdown,
                     std::string(name) + "(\"" + topic + "\") after Close answered " +
                         (s.ok() ? std::string("OK") : s.ToString()) +
                         ", not FAILED_PRECONDITION: a closed store must serve nothing",
                     {}};
  }
  return std::nullopt;
}

std::optional<Violation> CleanRestart(Harness& harness, const std::string& topic) {
  backends::SimStore& store = harness.store();
  MQSIM_ASSERT(store.up() && backends::KeepsFiles(store.type()));
  MessageQueue& q = *store.queue();
  const absl::Status closed = q.Close();
  harness.sim().trace().Event("store.close").Kv("status", closed.ToString());
  if (closed.ok()) harness.CleanlyClosed();
  if (auto v = RefusedAfterClose(q, topic)) return v;
  (void)store.Close();  // the engine refuses a second Close; the store lets go of it
  if (!harness.target().Restart()) {
    return Violation{Property::kRecovery, "the store does not open after a clean stop", {}};
  }
  return std::nullopt;
}

}  // namespace mqsim::scenarios
