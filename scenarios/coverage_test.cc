// Coverage: a run counts its calls and answers, fault kinds, points and sites; a tally over
// runs lists what no run reached, among the goals of the engines it ran on.
#include "scenarios/coverage.h"

#include <catch2/catch.hpp>

#include "scenarios/runner.h"
#include "scenarios/scenario.h"

namespace mqsim::scenarios {
namespace {

using properties::EventKind;
using properties::HistoryEvent;

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST_CASE("A history's calls and answers are counted by kind and status") {
  properties::History h;
  h.Add(HistoryEvent{.time_ns = 1, .kind = EventKind::kProduce, .topic = "t"});
  h.Add(HistoryEvent{.time_ns = 2, .kind = EventKind::kProduce, .topic = "t"});
  h.Add(HistoryEvent{
      .time_ns = 3, .kind = EventKind::kProduce, .topic = "t", .ok = false, .code = 8});
  h.Add(HistoryEvent{.time_ns = 4, .kind = EventKind::kCrash});
  h.Add(HistoryEvent{.time_ns = 5, .kind = EventKind::kRetention, .payload = "rocksmq.retention"});
  Coverage c;
  CountHistory(h, &c);
  CHECK(c["call produce ok"] == 2);
  CHECK(c["call produce error RESOURCE_EXHAUSTED"] == 1);
  CHECK(c["retention pass rocksmq.retention"] == 1);
  CHECK(c.count("call crash ok") == 0);  // the harness's events are not calls
}

TEST_CASE("A tally lists the goals no run reached, for the engines that ran") {
  CoverageTally t;
  t.Add(Coverage{{"call produce ok", 3}, {"point rocksmq/compaction/before failed", 1}}, "rocksmq");
  const std::vector<std::string> missed = t.Unreached();
  CHECK_FALSE(Has(missed, "call produce ok"));
  CHECK(Has(missed, "call consume ok"));
  CHECK_FALSE(Has(missed, "point rocksmq/compaction/before failed"));
  CHECK(Has(missed, "point rocksmq/ack/before-write failed"));
  CHECK_FALSE(Has(missed, "point natsmq/index/write failed"));  // natsmq never ran
  t.Add(Coverage{}, "natsmq");
  CHECK(Has(t.Unreached(), "point natsmq/index/write failed"));
  CHECK(t.ToString().find("call produce ok") != std::string::npos);
  CHECK(t.Totals().at("call produce ok") == 3);
}

TEST_CASE("A run reports what it exercised") {
  absl::StatusOr<Scenario> sc = ParseScenario(
      "name: c\nduration: 2m\nbackend: rocksmq\n"
      "workload: {topics: 1, producers: {count: 1, rate_per_s: 20}, consumers: {groups: 1}}\n"
      "faults: {crash: {mean_interval: 30s}, fiu: {points: [\"rocksmq/produce/*\"], "
      "probability: 0.05}}\n",
      "c.yaml");
  REQUIRE(sc.ok());
  const RunResult r = RunScenario(*sc, RunOptions{.seed = 1, .trace = nullptr, .bugs = 0});
  INFO(r.detail);
  CHECK(r.coverage.at("call produce ok") > 100);
  CHECK(r.coverage.at("call consume ok") > 100);
  CHECK(r.coverage.at("fault crashes") == r.injected.crashes);
  CHECK(r.coverage.at("point rocksmq/produce/before-write evaluated") > 100);
  CHECK(r.coverage.count("point rocksmq/produce/before-write failed") == 1);
}

}  // namespace
}  // namespace mqsim::scenarios
