// The retention model's pieces: first passes, the byte index, downtime, and what the model
// answers of a small history (the judges over it are tested in retention_checkers_test).
#include "properties/retention_model.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>

namespace mqsim::properties {
namespace {

TEST_CASE("FirstPasses keeps the first pass over each id") {
  FirstPasses p;
  p.Emplace(1, 10);
  p.Emplace(3, 20);
  p.Emplace(1, 30);  // again: the first pass stays
  p.Emplace(2, 40);  // below the last one: inserted in place
  REQUIRE(p.Find(1) != nullptr);
  CHECK(*p.Find(1) == 10);
  CHECK(*p.Find(2) == 40);
  CHECK(*p.Find(3) == 20);
  p.EraseFrom(2);
  CHECK(p.Find(2) == nullptr);
  CHECK(p.Find(3) == nullptr);
  CHECK(*p.Find(1) == 10);
}

HistoryEvent Produce(MessageId id, int64_t t_ns, size_t bytes = 10) {
  return HistoryEvent{.time_ns = t_ns,
                      .kind = EventKind::kProduce,
                      .topic = "t",
                      .id = id,
                      .payload = std::string(bytes, 'x')};
}

TEST_CASE("ByteIndex finds the first message certainly in a later page") {
  History h;
  AckedIndex acked;
  ByteIndex bytes;
  auto produce = [&](MessageId id) {
    h.Add(Produce(id, 0));
    acked.Put(id, h.size() - 1);
    bytes.Add(id, 10);
  };
  for (MessageId id = 1; id <= 4; ++id) produce(id);
  // After 1: 2 holds 10 bytes, 3 brings 20, over a page of 15: 4 is certainly in a later page.
  CHECK(bytes.PageBeyond(acked, h, 1, 15) == std::optional<MessageId>(4));
  CHECK(bytes.PageBeyond(acked, h, 2, 15) == std::nullopt);
  // An id below the last one makes the index stale; it is rebuilt from the acked index.
  produce(0);
  CHECK(bytes.PageBeyond(acked, h, 0, 15) == std::optional<MessageId>(3));
}

TEST_CASE("Downtime extends the bound by the time down and a tick per restart") {
  Downtime d;
  d.Crash(10);
  d.Crash(15);  // already down
  d.Recover(20);
  d.Recover(25);  // already up
  d.Crash(30);
  d.Recover(50);
  d.Crash(60);  // still down: not counted
  CHECK(d.ExtensionNs(0, 100, 1) == (10 + 1) + (20 + 1));
  CHECK(d.ExtensionNs(40, 100, 1) == 10 + 1);
  CHECK(d.ExtensionNs(20, 30, 1) == 0);
}

// The time rule at 50 ns, 15-byte pages, a 5 ns ticker and 1 ns of slack.
RetentionBounds SmallBounds(bool ack_writes_may_fail = true) {
  return RetentionBounds{.time = sim::Duration::Nanos(50),
                         .size_bytes = -1,
                         .page_bytes = 15,
                         .tick = sim::Duration::Nanos(5),
                         .slack = sim::Duration::Nanos(1),
                         .ack_writes_may_fail = ack_writes_may_fail};
}

TEST_CASE("The model knows when every group passed a message and when it is due") {
  History h;
  h.Add(HistoryEvent{.time_ns = 0, .kind = EventKind::kCreateGroup, .topic = "t", .group = "g"});
  for (MessageId id = 1; id <= 4; ++id) h.Add(Produce(id, id));
  HistoryEvent consume{.time_ns = 100, .kind = EventKind::kConsume, .topic = "t", .group = "g"};
  HistoryEvent read{.time_ns = 200, .kind = EventKind::kReadAll, .topic = "t"};
  for (MessageId id = 1; id <= 4; ++id) {
    consume.messages.push_back(Message{id, std::string(10, 'x')});
    read.messages.push_back(Message{id, std::string(10, 'x')});
  }
  h.Add(consume);
  h.Add(HistoryEvent{.time_ns = 120, .kind = EventKind::kCrash});
  h.Add(HistoryEvent{.time_ns = 130, .kind = EventKind::kRecover});
  h.Add(read);
  h.Add(HistoryEvent{.time_ns = 210, .kind = EventKind::kPowerLoss});
  read.time_ns = 220;
  h.Add(read);

  RetentionModel model(h, SmallBounds());
  std::vector<std::optional<int64_t>> passed;
  std::vector<std::optional<RetentionModel::Due>> due;
  const std::optional<Violation> v = model.Walk(
      [&](size_t, const HistoryEvent& e, RetentionModel::Topic& t) -> std::optional<Violation> {
        passed.push_back(model.PassedByEveryGroupNs(t, 1));
        due.push_back(model.DueBy(t, 1, e.time_ns));
        return std::nullopt;
      });
  CHECK_FALSE(v);
  REQUIRE(passed.size() == 2);
  CHECK(passed[0] == 100);
  CHECK(passed[1] == 100);  // what was read stays read
  REQUIRE(due[0].has_value());
  CHECK(due[0]->beyond == 4);
  CHECK(due[0]->read_ns == 100);
  CHECK(due[0]->at_ns == 100 + 50 + 5 + 1 + (130 - 120) + 5);  // plus the downtime and a tick
  CHECK_FALSE(due[1].has_value());  // the power loss may have taken the acks: not due yet
}

// A group seeking back below pages every group had passed does not delay their retention:
// the engine set their ack time once. Only where an ack write may have failed (and the
// reopen re-acked by the positions after the seek) does the bound wait for the group again.
TEST_CASE("A backward seek keeps the ack time of pages every group had passed") {
  History h;
  for (const char* g : {"a", "b"}) {
    h.Add(HistoryEvent{.time_ns = 0, .kind = EventKind::kCreateGroup, .topic = "t", .group = g});
  }
  for (MessageId id = 1; id <= 4; ++id) h.Add(Produce(id, id));
  HistoryEvent consume{.time_ns = 100, .kind = EventKind::kConsume, .topic = "t", .group = "a"};
  HistoryEvent read{.time_ns = 200, .kind = EventKind::kReadAll, .topic = "t"};
  for (MessageId id = 1; id <= 4; ++id) {
    consume.messages.push_back(Message{id, std::string(10, 'x')});
    read.messages.push_back(Message{id, std::string(10, 'x')});
  }
  h.Add(consume);
  consume.time_ns = 110;
  consume.group = "b";
  h.Add(consume);
  h.Add(
      HistoryEvent{.time_ns = 150, .kind = EventKind::kSeek, .topic = "t", .group = "a", .id = 1});
  h.Add(read);
  consume.time_ns = 160;
  consume.group = "a";
  h.Add(consume);
  read.time_ns = 210;
  h.Add(read);

  for (const bool may_fail : {false, true}) {
    INFO("ack writes may fail: " << may_fail);
    RetentionModel model(h, SmallBounds(may_fail));
    std::vector<std::optional<RetentionModel::Due>> due;
    CHECK_FALSE(model.Walk([&](size_t, const HistoryEvent& e, RetentionModel::Topic& t) {
      due.push_back(model.DueBy(t, 1, e.time_ns));
      return std::optional<Violation>();
    }));
    REQUIRE(due.size() == 2);
    if (may_fail) {
      CHECK_FALSE(due[0].has_value());  // waits for a's second pass
      REQUIRE(due[1].has_value());
      CHECK(due[1]->read_ns == 160);
    } else {
      REQUIRE(due[0].has_value());
      CHECK(due[0]->read_ns == 110);
      REQUIRE(due[1].has_value());
      CHECK(due[1]->read_ns == 110);
    }
  }
}

// A destroy that failed may have happened: the group stays for what waits on it, and the
// acknowledgement floor rises as if it had gone.
TEST_CASE("A failed destroy-group raises the floor but keeps the group") {
  History h;
  for (const char* g : {"a", "b"}) {
    h.Add(HistoryEvent{.time_ns = 0, .kind = EventKind::kCreateGroup, .topic = "t", .group = g});
  }
  for (MessageId id = 1; id <= 4; ++id) h.Add(Produce(id, id));
  HistoryEvent consume{.time_ns = 100, .kind = EventKind::kConsume, .topic = "t", .group = "a"};
  for (MessageId id = 1; id <= 4; ++id) consume.messages.push_back(Message{id, "x"});
  h.Add(consume);
  h.Add(HistoryEvent{.time_ns = 120,
                     .kind = EventKind::kDestroyGroup,
                     .topic = "t",
                     .group = "b",
                     .ok = false,
                     .code = 14});
  h.Add(HistoryEvent{.time_ns = 200, .kind = EventKind::kReadAll, .topic = "t"});

  RetentionModel model(h, SmallBounds(true));
  std::optional<int64_t> acked, passed;
  CHECK_FALSE(model.Walk([&](size_t, const HistoryEvent&, RetentionModel::Topic& t) {
    acked = model.AcknowledgedNs(t, 1);
    passed = model.PassedByEveryGroupNs(t, 1);
    return std::optional<Violation>();
  }));
  CHECK(acked == 120);
  CHECK_FALSE(passed.has_value());  // b is still there and has not read it
}

}  // namespace
}  // namespace mqsim::properties
