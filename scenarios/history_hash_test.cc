// The history is part of the run: what the store answered is in the trace and its hash.
// A scenario shrunk from a latest_prefix failure runs the same scheduler and disk steps with
// the bug on and off; its runs must still differ in hash (the answers and the verdict
// differ), and the trace must carry the calls and the verdict.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "base/bug_modes.h"
#include "scenarios/report.h"
#include "scenarios/runner.h"
#include "scenarios/scenario.h"
#include "sim/chrome_trace.h"
#include "sim/trace.h"

namespace mqsim::scenarios {
namespace {

constexpr const char* kShrunk = R"(name: rocksmq-retention-shrunk
duration: 7s
backend: rocksmq
config:
  rocksmq: {rocksmqPageSize: 4096, retentionTimeInMinutes: 2, retentionSizeInMB: 1, timtickerInterval: 10}
workload:
  topics: 2
  producers: {count: 1, rate_per_s: 0.5, batch: [1, 1], payload_bytes: [16, 16]}
  consumers: {groups: 1, batch: 16, seek_probability: 0, stall: {every: 4m, for: 3m}}
)";

// Counts events by kind, and keeps the verdict's fields.
class Collect : public sim::TraceSink {
 public:
  void Write(const sim::TraceEvent& e) override {
    ++kinds[e.kind];
    if (e.kind == "verdict") verdict = e.ToString();
  }
  std::map<std::string, int> kinds;
  std::string verdict;
};

RunResult Run(uint64_t bugs, Collect* sink) {
  absl::StatusOr<Scenario> sc = ParseScenario(kShrunk, "history_hash_test.yaml");
  REQUIRE(sc.ok());
  sim::Trace trace;
  if (sink != nullptr) trace.set_sink(sink);
  return RunScenario(*sc, RunOptions{1, &trace, bugs});
}

TEST_CASE("a pass and a fail of one scenario and seed never share a hash") {
  const RunResult fail = Run(base::BugMask(base::Bug::kLatestPrefix), nullptr);
  const RunResult pass = Run(0, nullptr);
  REQUIRE_FALSE(fail.pass);
  CHECK(fail.property == "latest");
  REQUIRE(pass.pass);
  CHECK(fail.hash != pass.hash);
}

TEST_CASE("the trace carries every store call and the verdict") {
  Collect c;
  const RunResult r = Run(base::BugMask(base::Bug::kLatestPrefix), &c);
  REQUIRE_FALSE(r.pass);
  CHECK(c.kinds["mq.produce"] > 0);
  CHECK(c.kinds["mq.consume"] > 0);
  CHECK(c.kinds["mq.latest"] > 0);
  CHECK(c.kinds["mq.read-all"] > 0);
  CHECK(c.kinds["verdict"] == 1);
  CHECK(c.verdict.find("result=fail") != std::string::npos);
  CHECK(c.verdict.find("property=latest") != std::string::npos);
}

TEST_CASE("the Perfetto trace shows the history per group and topic, and marks the failure") {
  absl::StatusOr<Scenario> sc = ParseScenario(kShrunk, "history_hash_test.yaml");
  REQUIRE(sc.ok());
  std::ostringstream out;
  RunResult r;
  {
    sim::ChromeTraceWriter chrome(out);
    sim::Trace trace;
    trace.set_sink(&chrome);
    r = RunScenario(*sc, RunOptions{1, &trace, base::BugMask(base::Bug::kLatestPrefix)});
    chrome.SetRunInfo(1, r.hash, "fail " + r.property);
  }
  const nlohmann::json events = nlohmann::json::parse(out.str());
  std::map<std::string, int> names;
  bool labelled = false;
  for (const nlohmann::json& e : events) {
    names[e.value("name", "")]++;
    if (e.value("name", "") == "thread_name" && e.value("pid", 0) == 2) {
      names["track " + e["args"]["name"].get<std::string>()]++;
    }
    if (e.value("name", "") == "process_labels") {
      labelled |= e["args"]["labels"].get<std::string>().find(Hex(r.hash)) != std::string::npos;
    }
    const nlohmann::json args = e.value("args", nlohmann::json::object());
    for (const auto& [k, v] : args.items()) {
      // No number a JSON reader would round: digests and hashes are hex strings.
      if (v.is_number_unsigned()) CHECK(v.get<uint64_t>() < (uint64_t{1} << 53));
    }
  }
  CHECK(labelled);
  CHECK(names["verdict: fail latest"] == 1);
  CHECK(names["FAILED latest"] >= 1);
  CHECK(names["track group g0"] == 1);
  CHECK(names["latest"] > 0);  // the history's latest calls, on their topic's track
}

}  // namespace
}  // namespace mqsim::scenarios
