// Bug detection benchmark: for every implemented bug mode, how many seeds and how many
// wall-clock seconds mqsim needs to find it with its stock scenario, and how small `shrink`
// makes the failing case.
//
// Method: for each of 5 starting seeds (1, 1001, 2001, 3001, 4001) sweep upward from it,
// one process, until the expected property fails (at most 60 seeds); report the median
// seeds-to-detection and the median wall time. Then shrink the first failure found from
// seed 1 (budget 60 runs) and report the simulated duration and acknowledged messages of
// the original and the shrunk run. Prints a Markdown table (docs/bugs.md carries it).
//   bazel run -c opt //bench:bug_detection_benchmark
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "scenarios/bug_catalogue.h"
#include "scenarios/embedded.h"
#include "scenarios/runner.h"
#include "scenarios/scenario.h"
#include "scenarios/shrink.h"
#include "scenarios/supervisor.h"

namespace {

using mqsim::scenarios::ReadEmbedded;

using mqsim::scenarios::RunOptions;
using mqsim::scenarios::RunResult;
using mqsim::scenarios::Scenario;

template <typename T>
T Median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main() {
  std::printf(
      "| bug mode | scenario | property | seeds to detect (median of 5 starts) | seconds to detect "
      "(median) | original run | shrunk run (runs spent) |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const auto& c : mqsim::scenarios::Catalogue()) {
    const std::string file = std::string(c.scenario) + ".yaml";
    absl::StatusOr<std::string> text = ReadEmbedded(file);
    absl::StatusOr<Scenario> sc =
        mqsim::scenarios::ParseScenario(*text, "scenarios/" + file, "scenarios", ReadEmbedded);
    if (!sc.ok()) return 2;
    const uint64_t bugs = mqsim::base::BugMask(c.bug);
    std::vector<uint64_t> seeds_needed;
    std::vector<double> seconds;
    uint64_t first_from_one = 0;
    RunResult original;
    for (uint64_t start : {1, 1001, 2001, 3001, 4001}) {
      const auto t0 = std::chrono::steady_clock::now();
      uint64_t n = 0;
      for (uint64_t seed = start; seed < start + 60; ++seed) {
        ++n;
        const RunResult r = mqsim::scenarios::RunSupervised(*sc, RunOptions{seed, nullptr, bugs});
        if (!r.pass && r.property == c.property) {
          if (start == 1) {
            first_from_one = seed;
            original = r;
          }
          break;
        }
        if (seed + 1 == start + 60) n = 61;  // not found
      }
      seeds_needed.push_back(n);
      seconds.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::string shrunk = "-";
    std::string orig = "-";
    if (first_from_one != 0) {
      orig = original.sim_time.ToString() + ", " + std::to_string(original.acked) + " msgs";
      absl::StatusOr<mqsim::scenarios::ShrinkResult> s = mqsim::scenarios::Shrink(
          *text, sc->file, "scenarios", ReadEmbedded, first_from_one, 60, bugs);
      if (s.ok()) {
        shrunk = s->result.sim_time.ToString() + ", " + std::to_string(s->result.acked) +
                 " msgs (" + std::to_string(s->runs) + ")";
      }
    }
    const uint64_t med = Median(seeds_needed);
    std::printf("| `%s` | %s | %s | %s | %.1f | %s | %s |\n",
                std::string(mqsim::base::Info(c.bug).name).c_str(), c.scenario, c.property,
                med > 60 ? "not within 60" : std::to_string(med).c_str(), Median(seconds),
                orig.c_str(), shrunk.c_str());
    std::fflush(stdout);
  }
  return 0;
}
