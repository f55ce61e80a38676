// The command-line side of sharded sweeps: `mqsim sweep --slurm`, `mqsim collect DIR` and
// `mqsim k8s-job` (scenarios/cluster_jobs.h, scenarios/collect.h). Each returns mqsim's exit
// code: 0 pass, 1 an unexpected outcome, 2 bad input (or a scheduler that refused).
#pragma once

#include <cstdint>
#include <string>

#include "scenarios/cluster_jobs.h"

namespace mqsim::scenarios {

// Writes out_dir/mqsim-sweep.sbatch and submits it with sbatch. With `wait`, sbatch waits
// for every task to end and the shards are collected (as `mqsim collect`, printing JSON
// with `json`); without, it prints the job id and the collect command.
int SubmitSlurmCmd(const ShardedSweep& s, const std::string& partition, bool wait, bool json);

// Merges out_dir's shard files: FAIL and REPRO lines and a summary line (or one JSON
// summary with `json`), and writes out_dir/summary.json, out_dir/junit.xml and
// out_dir/index.html (the sweep's summary page).
int CollectCmd(const std::string& dir, bool json);

// Prints the Indexed Job manifest.
int K8sJobCmd(const ShardedSweep& s, const std::string& image, const std::string& claim,
              uint64_t parallelism);

}  // namespace mqsim::scenarios
