// Shrink: minimise a failing (scenario, seed) to a smaller scenario that still fails the
// same property with the same seed: shorter duration, fewer faults, fewer and slower
// producers, fewer topics and groups, smaller batches and payloads, fewer seeks.
//
// It edits the scenario's YAML tree (a swarm scenario first becomes its seed's explicit
// fault plan), re-parses and re-runs every candidate, and keeps an edit when the run still
// fails with the same property (greedy, repeated until no edit helps; each run is a new
// exact execution of the smaller scenario with the same seed). The result is a scenario
// file that reproduces the failure with `mqsim run FILE --seed N`.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "scenarios/runner.h"
#include "scenarios/scenario.h"

namespace mqsim::scenarios {

struct ShrinkResult {
  std::string yaml;               // the minimal scenario
  RunResult result;               // its failing run
  int runs = 0;                   // executions spent
  std::vector<std::string> kept;  // the edits that kept the failure, in order
};

// on_run, when set, is told the number of executions spent after each one (for progress).
absl::StatusOr<ShrinkResult> Shrink(const std::string& yaml, const std::string& file,
                                    const std::string& base_dir, const FileReader& read,
                                    uint64_t seed, int max_runs = 300, uint64_t bugs = 0,
                                    const std::function<void(int runs)>& on_run = nullptr);

// A shrunk scenario made to run from wherever it is written: a file it names by a relative
// path (helm_values), resolved against base_dir with `read` (on disk or embedded), is written
// beside out_path (as <out_path minus .yaml>.helm-values.yaml) and named by its absolute path.
// Returns the scenario's YAML with those paths replaced.
absl::StatusOr<std::string> MakeSelfContained(const std::string& yaml, const std::string& base_dir,
                                              const FileReader& read, const std::string& out_path);

// The YAML `faults:` mapping of a plan (what Swarm drew for a seed, made explicit).
YAML::Node FaultPlanToYaml(const faults::FaultPlan& plan);
// Writes a workload's operation mix (what DrawWorkloadMix drew for a seed) into the YAML
// `workload:` mapping, over what it held.
void WorkloadMixToYaml(const WorkloadSpec& w, YAML::Node workload);

}  // namespace mqsim::scenarios
