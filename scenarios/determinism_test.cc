// Every stock scenario, run twice with the same seed (with a bug mode on, too), gives the
// same trace, event for event and draw for draw; another seed gives another run.
#include "sim/determinism.h"

#include <catch2/catch.hpp>

#include "base/bug_modes.h"
#include "scenarios/embedded.h"
#include "scenarios/runner.h"
#include "scenarios/scenario.h"

namespace mqsim::scenarios {
namespace {

TEST_CASE("Every stock scenario replays identically from its seed") {
  int checked = 0;
  for (const auto& f : EmbeddedFiles()) {
    if (f.name.find('/') != std::string::npos || !f.name.ends_with(".yaml")) continue;
    absl::StatusOr<Scenario> sc =
        ParseScenario(f.text, "scenarios/" + f.name, "scenarios", ReadEmbedded);
    REQUIRE(sc.ok());
    const sim::DeterminismReport r = sim::CheckDeterminism([&](sim::Trace& t) {
      (void)RunScenario(*sc, RunOptions{2, &t, 0});
    });
    INFO(sc->name << ": " << r.ToString());
    CHECK(r.deterministic);
    CHECK(RunScenario(*sc, RunOptions{3, nullptr, 0}).hash != r.hash_a);
    ++checked;
  }
  CHECK(checked >= 10);
}

TEST_CASE("A run with a bug mode on replays identically too") {
  absl::StatusOr<std::string> text = ReadEmbedded("rocksmq-seek-storm.yaml");
  REQUIRE(text.ok());
  absl::StatusOr<Scenario> sc =
      ParseScenario(*text, "scenarios/rocksmq-seek-storm.yaml", "scenarios", ReadEmbedded);
  REQUIRE(sc.ok());
  const uint64_t bugs = base::BugMask(base::Bug::kSeekMissingToEarliest);
  const sim::DeterminismReport r = sim::CheckDeterminism([&](sim::Trace& t) {
    (void)RunScenario(*sc, RunOptions{1, &t, bugs});
  });
  INFO(r.ToString());
  CHECK(r.deterministic);
}

}  // namespace
}  // namespace mqsim::scenarios
