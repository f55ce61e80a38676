// How a run is reported: its RESULT line, the REPRO commands that replay it, and its JSON
// form (also how a child process hands its result to the parent that supervises it). One
// place, used by the command line, the sweep test and the supervisor, so they never drift.
#pragma once

#include <absl/status/statusor.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "scenarios/runner.h"
#include "scenarios/scenario.h"

namespace mqsim::scenarios {

// 16 lower-case hex digits: how hashes are printed everywhere (never as JSON numbers).
std::string Hex(uint64_t v);

// The names of the bug modes in `bugs`, comma-separated ("" when none).
std::string BugNames(uint64_t bugs);

// "RESULT pass|fail seed=N property=NAME sim_time=... steps=N hash=HEX".
std::string ResultLine(const RunResult& r, uint64_t seed);

// Text made safe for HTML and XML element content and attribute values (<, >, &, ").
std::string EscapeMarkup(std::string_view text);

// The mqsim version: the commit it was built from ("+dirty" with uncommitted changes).
std::string_view Version();

// The one command that replays (scenario, seed, bug modes) with a full trace and verifies
// it: `--expect-hash` r's hash (a replay that differs exits 3), and the version that ran it
// as a trailing shell comment.
std::string ReproCommand(const Scenario& sc, uint64_t seed, uint64_t bugs, const RunResult& r);

// The bazel-test form of the REPRO line, with the sweep test's environment (bug modes, and
// `extra_env` such as " --test_env=MQSIM_SWARM=1"); empty unless the scenario is a stock
// one (the sweep test runs only those).
std::string BazelTestRepro(const Scenario& sc, uint64_t seed, uint64_t bugs,
                           std::string_view extra_env = "");

// The outcome a sweep counts as expected: a pass, or the failure the scenario demonstrates.
bool Expected(const Scenario& sc, const RunResult& r);

// Every field of a RunResult, and back (hash as hex text).
nlohmann::json ResultToJson(const RunResult& r);
absl::StatusOr<RunResult> ResultFromJson(const nlohmann::json& j);

// One run as the command line's --json prints it: the result, the scenario, the seed,
// whether it was expected, the counts, the faults injected, the wall time, and the REPRO
// commands of a failure.
nlohmann::json RunJson(const Scenario& sc, const RunResult& r, uint64_t seed, uint64_t bugs);
// Back from RunJson, as far as it goes (no coverage; a line written before a key existed
// leaves that field at its default): for pages built from a sweep's JSON lines.
absl::StatusOr<RunResult> ResultFromRunJson(const nlohmann::json& j);

}  // namespace mqsim::scenarios
