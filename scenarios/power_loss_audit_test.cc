// Power-loss audits (scenarios/power_loss_audit.h): they find a lost sync that no real power
// loss of the run exposes, they find nothing on correct engines, and the run they watch
// sees exactly the answers it sees without them.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "base/bug_modes.h"
#include "properties/history.h"
#include "scenarios/report.h"
#include "scenarios/runner.h"
#include "scenarios/scenario.h"

namespace mqsim::scenarios {
namespace {

// Synced produce, crashes but no power loss; audits every `audit` (empty: none).
Scenario Make(const std::string& engine, const std::string& audit) {
  const std::string yaml =
      "name: audit-" + engine + "\nduration: 4m\nbackend: " + engine +
      "\nworkload:\n"
      "  topics: 2\n"
      "  purge: 0.002\n"
      "  delete: 0.02\n"
      "  producers: {count: 2, rate_per_s: 5, batch: [1, 3], payload_bytes: [16, 2048], "
      "sync: true}\n"
      "  consumers: {groups: 2, batch: 16, seek_probability: 0.02}\n"
      "faults:\n"
      "  crash: {mean_interval: 1m}\n" +
      (audit.empty() ? "" : "  power_loss: {audit_every: " + audit + "}\n");
  absl::StatusOr<Scenario> sc = ParseScenario(yaml, "power_loss_audit_test.yaml");
  INFO(yaml);
  REQUIRE(sc.ok());
  return *sc;
}

TEST_CASE("an audit catches a lost WAL sync that the run's own faults never expose") {
  const Scenario sc = Make("rocksmq", "5s");
  const uint64_t bug = base::BugMask(base::Bug::kSkipWalSync);
  const RunResult without_audit = RunScenario(Make("rocksmq", ""), RunOptions{1, nullptr, bug});
  INFO(ResultLine(without_audit, 1) << " " << without_audit.detail);
  CHECK(without_audit.pass);  // crashes keep the page cache: the lost sync does not show
  const RunResult r = RunScenario(sc, RunOptions{1, nullptr, bug});
  INFO(ResultLine(r, 1) << " " << r.detail);
  CHECK_FALSE(r.pass);
  CHECK(r.property == "durability");
  CHECK(r.detail.find("power-loss audit") != std::string::npos);
  CHECK(r.failed_at.has_value());
}

TEST_CASE("audits find nothing on correct engines and cost the run nothing it can see") {
  for (const std::string engine : {"rocksmq", "natsmq"}) {
    for (uint64_t seed = 1; seed <= 2; ++seed) {
      properties::History plain, audited;
      const RunWatch watch_plain{&plain, nullptr, nullptr};
      const RunWatch watch_audited{&audited, nullptr, nullptr};
      const RunResult a = RunScenario(Make(engine, ""), RunOptions{seed, nullptr, 0}, &watch_plain);
      const RunResult b =
          RunScenario(Make(engine, "3s"), RunOptions{seed, nullptr, 0}, &watch_audited);
      INFO(engine << " seed " << seed << ": " << ResultLine(b, seed) << " " << b.detail);
      CHECK(a.pass);
      CHECK(b.pass);
      CHECK(b.coverage.at("audit power loss") > 40);
      // A second image only where unsynced data leaves a choice (natsmq here syncs all).
      CHECK(b.coverage.at("audit power-loss image") >= b.coverage.at("audit power loss"));
      // The same store answers, event for event: the audits only read the disk.
      for (size_t i = 0; i < std::min(plain.size(), audited.size()); ++i) {
        INFO("event " << i << ": " << plain.Describe(i) << " / " << audited.Describe(i));
        REQUIRE(plain.Describe(i) == audited.Describe(i));
      }
      REQUIRE(plain.size() == audited.size());
    }
  }
}

}  // namespace
}  // namespace mqsim::scenarios
