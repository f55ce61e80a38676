// Dense sequences: hand-made natsmq histories where a publish skips a number with nothing
// between that could have taken it (fails), and where something could have (passes).
#include "properties/sequence_checker.h"

#include <catch2/catch.hpp>

namespace mqsim::properties {
namespace {

void Publish(History& h, MessageId id, const std::string& topic = "t") {
  h.Add(HistoryEvent{.kind = EventKind::kProduce, .topic = topic, .id = id, .payload = "p"});
}
void FailedPublish(History& h) {
  h.Add(HistoryEvent{.kind = EventKind::kProduce, .topic = "t", .ok = false, .payload = "p"});
}
void Add(History& h, EventKind kind, std::string payload = "") {
  h.Add(HistoryEvent{.kind = kind, .payload = std::move(payload)});
}
void CleanStop(History& h) {
  Add(h, EventKind::kSync, kCleanStopSync);
  Add(h, EventKind::kCrash);
  Add(h, EventKind::kRecover);
}

History OneTwoThree() {
  History h;
  h.Add(HistoryEvent{.kind = EventKind::kCreateTopic, .topic = "t"});
  for (MessageId id = 1; id <= 3; ++id) Publish(h, id);
  return h;
}

TEST_CASE("dense sequences: one after another, across a clean stop, a purge and a delete") {
  History h = OneTwoThree();
  CleanStop(h);
  Publish(h, 4);
  h.Add(HistoryEvent{.kind = EventKind::kPurge, .topic = "t"});
  Publish(h, 5);
  h.Add(HistoryEvent{.kind = EventKind::kDeleteMessage, .topic = "t", .id = 5});
  Publish(h, 6);
  Publish(h, 1, "other");  // every stream counts for itself
  Publish(h, 7);
  CHECK_FALSE(CheckDenseSequences(h).has_value());
}

TEST_CASE("dense sequences: a skip is allowed where something unseen could take numbers") {
  History failed = OneTwoThree();
  FailedPublish(failed);
  Publish(failed, 5);
  CHECK_FALSE(CheckDenseSequences(failed).has_value());

  History crash = OneTwoThree();  // natsmq continues after its reservation
  Add(crash, EventKind::kCrash);
  Add(crash, EventKind::kRecover);
  Publish(crash, 1004);
  Publish(crash, 1005);
  CHECK_FALSE(CheckDenseSequences(crash).has_value());

  History power = OneTwoThree();  // a Close answered ok, then the power went
  Add(power, EventKind::kSync, kCleanStopSync);
  Add(power, EventKind::kCrash);
  Add(power, EventKind::kPowerLoss);
  Publish(power, 9);
  CHECK_FALSE(CheckDenseSequences(power).has_value());

  History destroy = OneTwoThree();  // the destroy may have happened: a new stream
  destroy.Add(
      HistoryEvent{.kind = EventKind::kDestroyTopic, .topic = "t", .ok = false, .code = 14});
  Publish(destroy, 1);
  Publish(destroy, 2);
  CHECK_FALSE(CheckDenseSequences(destroy).has_value());
}

TEST_CASE("dense sequences fail when a publish skips a number") {
  History h = OneTwoThree();
  Publish(h, 5);
  const std::optional<Violation> v = CheckDenseSequences(h);
  REQUIRE(v.has_value());
  CHECK(v->property == Property::kOrdering);
  CHECK(v->detail.find("took sequence 5, where the stream's next is 4") != std::string::npos);
  CHECK(v->events.size() == 2);
}

TEST_CASE("dense sequences fail when a clean stop and start skips a number") {
  History h = OneTwoThree();
  CleanStop(h);
  Publish(h, 5);  // the recovered last sequence is one too high
  REQUIRE(CheckDenseSequences(h).has_value());

  History sync = OneTwoThree();  // a periodic sync pass is not a clean stop
  Add(sync, EventKind::kSync, "natsmq.sync");
  Publish(sync, 5);
  REQUIRE(CheckDenseSequences(sync).has_value());
}

}  // namespace
}  // namespace mqsim::properties
