// The pieces the per-topic checkers share: AckedIndex, ProducedPayloads and the walk of a
// history topic incarnation by topic incarnation.
#include "properties/topic_walker.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "properties/produced_payloads.h"

namespace mqsim::properties {
namespace {

std::vector<MessageId> Ids(const AckedIndex& a) {
  std::vector<MessageId> ids;
  for (const AckedIndex::Entry& e : a) ids.push_back(e.id);
  return ids;
}

TEST_CASE("AckedIndex keeps ids in order and the last acknowledgement of each") {
  AckedIndex a;
  a.Put(2, 0);
  a.Put(5, 1);
  a.Put(9, 2);
  CHECK(Ids(a) == std::vector<MessageId>{2, 5, 9});
  CHECK(a.back().id == 9);
  a.Put(4, 3);  // out of order: inserted in place
  a.Put(5, 4);  // again: the later acknowledgement replaces the earlier one
  CHECK(Ids(a) == std::vector<MessageId>{2, 4, 5, 9});
  REQUIRE(a.Find(5) != nullptr);
  CHECK(a.Find(5)->event == 4);
  CHECK(a.Find(3) == nullptr);
  CHECK(a.LowerBound(5)->id == 5);
  CHECK(a.UpperBound(5)->id == 9);
  CHECK(a.LowerBound(10) == a.end());
  a.EraseIf([](const AckedIndex::Entry& e) { return e.event % 2 == 0; });
  CHECK(Ids(a) == std::vector<MessageId>{4});
}

TEST_CASE("ProducedPayloads answers for produces recorded before and after a lookup") {
  ProducedPayloads p;
  p.Add(7);
  CHECK(p.Contains(7));
  CHECK_FALSE(p.Contains(8));
  p.Add(8);
  CHECK(p.Contains(8));
  CHECK(p.digests() == std::vector<uint64_t>{7, 8});
}

struct JudgeView {
  size_t acked_before = 0;  // the topic's acknowledged ids when the judge saw the event
  int state = 0;
};

History Events(std::vector<HistoryEvent> events) {
  History h;
  for (HistoryEvent& e : events) h.Add(std::move(e));
  return h;
}

HistoryEvent Produce(MessageId id, int64_t t_ns = 0, bool sync = false) {
  return HistoryEvent{
      .time_ns = t_ns, .kind = EventKind::kProduce, .topic = "t", .id = id, .sync = sync};
}

HistoryEvent Of(EventKind kind, bool ok = true, int64_t t_ns = 0) {
  return HistoryEvent{.time_ns = t_ns, .kind = kind, .topic = "t", .ok = ok};
}

// Walks h, counting events in the topic's state, and answers what the judge saw at each.
std::vector<JudgeView> Walk(const History& h, TopicWalker<int>::AtSwitch at_switch) {
  TopicWalker<int> w(h, at_switch);
  std::vector<JudgeView> seen;
  const std::optional<int> none = w.Walk([&](size_t, const HistoryEvent& e) -> std::optional<int> {
    TopicWalker<int>::Topic& t = w.topic(e.topic);
    seen.push_back(JudgeView{t.acked.size(), t.state++});
    return std::nullopt;
  });
  CHECK_FALSE(none);
  return seen;
}

TEST_CASE("The walker ends a topic incarnation at a destroy or a switch, not at a crash") {
  using K = EventKind;
  const History h =
      Events({Produce(1), Produce(2), Of(K::kCrash), Of(K::kDestroyTopic, false), Of(K::kLatest),
              Of(K::kDestroyTopic), Of(K::kLatest), Produce(1), Of(K::kSwitch), Of(K::kLatest)});
  const std::vector<JudgeView> forget = Walk(h, TopicWalker<int>::AtSwitch::kForgetTopics);
  // The judge sees each event before the walker applies it: a produce is not yet acked.
  CHECK(forget[0].acked_before == 0);
  CHECK(forget[1].acked_before == 1);
  // A crash keeps the incarnation; a failed destroy keeps it too (its state) but may have
  // happened, so nobody is owed its messages any more; a destroy ends it.
  CHECK(forget[3].acked_before == 2);
  CHECK(forget[4].acked_before == 0);
  CHECK(forget[4].state == 4);
  CHECK(forget[6].acked_before == 0);
  CHECK(forget[6].state == 0);
  CHECK(forget[8].acked_before == 1);
  CHECK(forget[9].acked_before == 0);  // the switch forgot the topic
  const std::vector<JudgeView> keep = Walk(h, TopicWalker<int>::AtSwitch::kKeepTopics);
  CHECK(keep[9].acked_before == 1);
}

TEST_CASE("After a failed destroy the next acknowledged id says whether the topic went") {
  using K = EventKind;
  HistoryEvent refused = Of(K::kDestroyTopic, false);
  refused.code = static_cast<int>(absl::StatusCode::kUnavailable);
  HistoryEvent absent = Of(K::kDestroyTopic, false);
  absent.code = static_cast<int>(absl::StatusCode::kNotFound);
  // Ids starting over after the failed destroy: it happened, a new incarnation begins before
  // the judge sees the produce. Ids going on: it did not; the incarnation continues.
  const History over = Events({Produce(1), Produce(2), refused, Of(K::kLatest), Produce(1)});
  std::vector<JudgeView> seen = Walk(over, TopicWalker<int>::AtSwitch::kForgetTopics);
  CHECK(seen[3].state == 3);
  CHECK(seen[4].state == 0);
  const History on = Events({Produce(1), Produce(2), refused, Produce(3), Produce(1)});
  seen = Walk(on, TopicWalker<int>::AtSwitch::kForgetTopics);
  CHECK(seen[3].state == 3);
  CHECK(seen[4].state == 4);  // decided at id 3: the reuse of 1 is the ordering check's
  CHECK(seen[4].acked_before == 1);
  // NOT_FOUND: the store says there was nothing to destroy; everything stays owed.
  const History gone = Events({Produce(1), Produce(2), absent, Produce(1)});
  seen = Walk(gone, TopicWalker<int>::AtSwitch::kForgetTopics);
  CHECK(seen[3].state == 3);
  CHECK(seen[3].acked_before == 2);
}

TEST_CASE("The walker stops at the first violation and tracks the last power loss") {
  const History h =
      Events({Produce(1, 10, false), Produce(2, 20, true), Of(EventKind::kPowerLoss, true, 30),
              Produce(3, 40, false), Of(EventKind::kLatest)});
  TopicWalker<int> w(h);
  const std::optional<std::string> verdict =
      w.Walk([&](size_t i, const HistoryEvent& e) -> std::optional<std::string> {
        if (e.kind != EventKind::kLatest) return std::nullopt;
        std::string promised;
        for (const AckedIndex::Entry& a : w.topic("t").acked) {
          promised += w.Promised(w.event(a.event)) ? "y" : "n";
        }
        return "at " + std::to_string(i) + ": " + promised;
      });
  CHECK(w.last_power_loss_ns() == 30);
  // Unsynced before the power loss: not promised; synced, or after it: promised.
  CHECK(verdict == "at 4: nyy");
}

}  // namespace
}  // namespace mqsim::properties
