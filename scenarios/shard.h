// Sharding one sweep over many machines. One contract serves a Slurm job array, Kubernetes
// Indexed Job and Bazel test shards: shard i of n (0-based) runs a contiguous slice of the
// seed range, the slices in shard order cover it exactly once, and a shard with no seeds (more
// shards than seeds) is valid and empty. Which shard a process is comes from `--shard I/N`, or
// with `--shard env` from its scheduler's environment.
#pragma once

#include <absl/status/statusor.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "scenarios/driver.h"

namespace mqsim::scenarios {

struct Shard {
  uint64_t index = 0;  // 0-based
  uint64_t count = 1;
};

// "I/N" with 0 <= I < N, decimal digits only.
absl::StatusOr<Shard> ParseShard(std::string_view text);

// The shard this process is, from the first scheduler whose variables are set:
//   Slurm job array    SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT
//   Kubernetes         JOB_COMPLETION_INDEX of MQSIM_SHARDS (the manifest sets it)
//   Bazel test shards  TEST_SHARD_INDEX of TEST_TOTAL_SHARDS
// An error names the variables when none is set or a value is malformed.
// `getenv` is the lookup (std::getenv in production).
absl::StatusOr<Shard> ShardFromEnv(const std::function<const char*(const char*)>& getenv);

// Shard s's slice [begin, end) of n items: each shard n / count of them, the first n % count
// one more. REQUIRES: s.index < s.count.
std::pair<uint64_t, uint64_t> ShardSlice(uint64_t n, const Shard& s);
// The seeds of shard s of `all`, or nullopt when it has none. REQUIRES: s.index < s.count.
std::optional<SeedRange> ShardSeeds(const SeedRange& all, const Shard& s);

// "shard-I-of-N.jsonl": where shard I writes its results in a sweep's --out directory.
std::string ShardFileName(const Shard& s);

}  // namespace mqsim::scenarios
