// Sharded sweeps on schedulers users already run (scenarios/shard.h is the contract):
// a Slurm job array submitted with sbatch, and a Kubernetes Indexed Job manifest. Each task
// runs `mqsim sweep FILE --seeds A..B --shard env --out DIR` and writes its shard file into
// DIR; `mqsim collect DIR` merges them. Reproduction stays local: every seed's REPRO line
// replays bit-identically wherever the same mqsim build runs.
#pragma once

#include <absl/status/statusor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "scenarios/driver.h"

namespace mqsim::scenarios {

// What every task runs, beside its shard.
struct ShardedSweep {
  std::string mqsim;                    // the binary, an absolute path (Slurm) or in the image
  std::string scenario;                 // an absolute scenario path, or a stock name
  SeedRange seeds;                      // the whole sweep
  uint64_t shards = 1;                  // tasks
  std::string out_dir;                  // where each task writes its shard file
  std::vector<std::string> extra_args;  // --bug NAME, --set K=V, --allow-long
};

// The task's command line, each argument quoted for sh.
std::string TaskCommand(const ShardedSweep& s);

// The sbatch script of a job array of s.shards tasks (0..N-1), one CPU each, output in
// out_dir/slurm-JOB_TASK.out; `partition` empty: the cluster's default.
std::string SbatchScript(const ShardedSweep& s, const std::string& partition);

// A Kubernetes Indexed Job: s.shards completions, `parallelism` at a time, in `image`, the
// results on the persistent volume claim `claim` mounted at out_dir.
std::string K8sIndexedJob(const ShardedSweep& s, const std::string& image, const std::string& claim,
                          uint64_t parallelism);

// Runs argv (no shell) and returns its exit status and standard output; standard error
// passes through. An error when it cannot start.
struct CommandResult {
  int exit_code = -1;
  std::string out;
};
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv);

}  // namespace mqsim::scenarios
