// Groups kept: hand-made histories where a group answers NOT_FOUND while it should exist
// (fails), and where something explains it (passes).
#include "properties/group_checker.h"

#include <catch2/catch.hpp>

namespace mqsim::properties {
namespace {

constexpr int kNotFound = 5;
constexpr int kAlreadyExists = 6;
constexpr int kInvalidArgument = 3;
constexpr int kUnavailable = 14;

HistoryEvent Call(EventKind kind, const std::string& group = "g", bool ok = true, int code = 0) {
  return HistoryEvent{.kind = kind, .topic = "t", .group = group, .ok = ok, .code = code};
}

History Made() {
  History h;
  h.Add(Call(EventKind::kCreateTopic, ""));
  h.Add(Call(EventKind::kCreateGroup));
  h.Add(Call(EventKind::kConsume));
  return h;
}

TEST_CASE("groups_kept fails when a live group answers NOT_FOUND") {
  for (EventKind kind :
       {EventKind::kConsume, EventKind::kSeek, EventKind::kSeekToLatest, EventKind::kSubscribe}) {
    History h = Made();
    h.Add(Call(kind, "g", false, kNotFound));
    const std::optional<Violation> v = CheckGroupsKept(h);
    REQUIRE(v.has_value());
    CHECK(v->property == Property::kGroupsKept);
    CHECK(v->events == std::vector<size_t>{1, 3});
  }
  History h;  // a create answered ALREADY_EXISTS: the group is there
  h.Add(Call(EventKind::kCreateTopic, ""));
  h.Add(Call(EventKind::kCreateGroup, "g", false, kAlreadyExists));
  h.Add(Call(EventKind::kConsume, "g", false, kNotFound));
  CHECK(CheckGroupsKept(h).has_value());
}

TEST_CASE("groups_kept passes when a destroy, a restart or an unknown group explains it") {
  const std::vector<HistoryEvent> explain = {
      Call(EventKind::kDestroyGroup),
      Call(EventKind::kDestroyGroup, "g", false, 14),  // may have happened
      Call(EventKind::kDestroyTopic, ""),
      Call(EventKind::kSeek, "g", false, 14),  // natsmq re-creates the consumer to seek
      Call(EventKind::kSeekToLatest, "g", false, 14),
      HistoryEvent{.kind = EventKind::kCrash},
      HistoryEvent{.kind = EventKind::kPowerLoss},
      HistoryEvent{.kind = EventKind::kRecover},
      HistoryEvent{.kind = EventKind::kSwitch},
  };
  for (const HistoryEvent& e : explain) {
    History h = Made();
    h.Add(e);
    h.Add(Call(EventKind::kConsume, "g", false, kNotFound));
    INFO(ToString(e.kind));
    CHECK_FALSE(CheckGroupsKept(h).has_value());
  }
  History other = Made();  // another group, never made
  other.Add(Call(EventKind::kConsume, "h", false, kNotFound));
  CHECK_FALSE(CheckGroupsKept(other).has_value());
  History unavailable = Made();  // only NOT_FOUND says the group is gone
  unavailable.Add(Call(EventKind::kConsume, "g", false, 14));
  CHECK_FALSE(CheckGroupsKept(unavailable).has_value());
  History failed_create;  // a topic whose create failed is not known to exist
  failed_create.Add(Call(EventKind::kCreateTopic, "", false, 14));
  failed_create.Add(Call(EventKind::kCreateGroup));
  failed_create.Add(Call(EventKind::kConsume, "g", false, kNotFound));
  CHECK_FALSE(CheckGroupsKept(failed_create).has_value());
}

TEST_CASE("groups_kept: CreateTopic is idempotent") {
  History again = Made();  // an existing topic created again is answered ALREADY_EXISTS
  again.Add(Call(EventKind::kCreateTopic, "", false, kAlreadyExists));
  const std::optional<Violation> v = CheckGroupsKept(again);
  REQUIRE(v.has_value());
  CHECK(v->events == std::vector<size_t>{3});
  CHECK(v->detail.find("CreateTopic answered ALREADY_EXISTS") != std::string::npos);
  History invalid = Made();  // its own configuration refused as invalid
  invalid.Add(Call(EventKind::kCreateTopic, "", false, kInvalidArgument));
  CHECK(CheckGroupsKept(invalid).has_value());
  History fresh;  // an invalid configuration for a topic not known to exist may be refused
  fresh.Add(Call(EventKind::kCreateTopic, "", false, kInvalidArgument));
  CHECK_FALSE(CheckGroupsKept(fresh).has_value());
  History refused = Made();  // a store that cannot serve may refuse
  refused.Add(Call(EventKind::kCreateTopic, "", false, kUnavailable));
  CHECK_FALSE(CheckGroupsKept(refused).has_value());
}

}  // namespace
}  // namespace mqsim::properties
