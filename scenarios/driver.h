// The scenario driver: how a scenario is found and loaded, how a seed range is read, and
// how many (scenario, seed) runs are executed, supervised and in parallel, with their
// results handed back in order. The command line, the sweep test and the benchmarks all go
// through it, so they load and run scenarios the same way.
#pragma once

#include <absl/status/statusor.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/runner.h"
#include "scenarios/scenario.h"

namespace mqsim::scenarios {

// A scenario's text and where its relative references (helm_values, milvus_yaml) resolve.
struct ScenarioSource {
  std::string text;
  std::string file;      // as it is named in messages and REPRO lines
  std::string base_dir;  // where relative references resolve
  FileReader read;
};

// `arg` is the name of a stock scenario ("rocksmq-retention", "rocksmq-retention.yaml") or
// a path (relative to `cwd` when not absolute and cwd is not empty). A stock name always
// means the embedded scenario, even when a file of that name exists: name a file on disk
// by a path with a '/' ("./rocksmq-retention.yaml"). Files must be regular files.
absl::StatusOr<ScenarioSource> FindScenario(const std::string& arg, const std::string& cwd = "");
// cli_set: the command line's --set KEY=VALUE for the scenario's helm values.
absl::StatusOr<Scenario> LoadScenarioArg(const std::string& arg, const std::string& cwd = "",
                                         const std::vector<std::string>& cli_set = {});

// Runs longer than this take an explicit --allow-long: a mistyped duration (87600h) would
// otherwise run for hours with memory growing as it goes.
inline constexpr sim::Duration kLongRun = sim::Duration::Hours(24);
// An error naming the scenario's duration if it is over kLongRun and !allow_long.
absl::Status CheckDuration(const Scenario& scenario, bool allow_long);

// The stock scenarios embedded in the binary, parsed, in file-name order.
absl::StatusOr<std::vector<Scenario>> StockScenarios();

// A seed range: "N" or "A..B" with 1 <= A <= B <= 2^64-1, decimal digits only (no sign,
// no spaces, nothing after the number).
struct SeedRange {
  uint64_t first = 1;
  uint64_t last = 1;
  // The number of seeds, saturated at UINT64_MAX (the range 1..2^64-1 has that many).
  uint64_t count() const { return last - first == UINT64_MAX ? UINT64_MAX : last - first + 1; }
  // "A..B", as ParseSeedRange reads it.
  std::string ToString() const { return std::to_string(first) + ".." + std::to_string(last); }
};
absl::StatusOr<SeedRange> ParseSeedRange(std::string_view text);
// One seed: decimal digits only, at least 1.
absl::StatusOr<uint64_t> ParseSeed(std::string_view text);

// One run of a sweep.
struct SweepRun {
  const Scenario* scenario = nullptr;
  uint64_t seed = 0;
};

// Executes `count` runs, run(i) saying which, each in its own supervised child process
// (scenarios/supervisor.h), up to `parallel` at a time, with the bug modes `bugs`.
// done(i, result) is called for every run in index order, each as soon as it and every run
// before it have finished.
//
// Each worker is its own process group and dies with its parent, so a terminal's Ctrl-C
// reaches only this process: SIGINT, SIGTERM or SIGHUP stop the sweep cleanly (every
// running worker is killed and reaped, no further run starts, done() is not called again)
// and RunMany returns that signal's number; it returns 0 when every run has been done.
// REQUIRES: parallel >= 1; no other thread, and no handler for those signals or SIGCHLD.
int RunMany(uint64_t count, const std::function<SweepRun(uint64_t)>& run, int parallel,
            uint64_t bugs, const std::function<void(uint64_t, const RunResult&)>& done);

}  // namespace mqsim::scenarios
