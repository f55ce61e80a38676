#include "scenarios/shard.h"

#include <algorithm>
#include <charconv>
#include <string>

#include "base/assert.h"

namespace mqsim::scenarios {

namespace {

std::optional<uint64_t> Decimal(std::string_view text) {
  uint64_t v = 0;
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

absl::StatusOr<Shard> Make(std::optional<uint64_t> index, std::optional<uint64_t> count,
                           const std::string& what) {
  if (!index || !count || *count == 0 || *index >= *count) {
    return absl::InvalidArgumentError(what +
                                      ": expected a shard index I and count N with 0 <= I "
                                      "< N, decimal digits only");
  }
  return Shard{*index, *count};
}

}  // namespace

absl::StatusOr<Shard> ParseShard(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return absl::InvalidArgumentError("--shard: expected I/N or env, got \"" + std::string(text) +
                                      "\"");
  }
  return Make(Decimal(text.substr(0, slash)), Decimal(text.substr(slash + 1)),
              "--shard \"" + std::string(text) + "\"");
}

absl::StatusOr<Shard> ShardFromEnv(const std::function<const char*(const char*)>& getenv) {
  auto get = [&](const char* name) -> std::optional<uint64_t> {
    const char* v = getenv(name);
    return v == nullptr ? std::nullopt : Decimal(v);
  };
  auto set = [&](const char* name) { return getenv(name) != nullptr; };
  if (set("SLURM_ARRAY_TASK_ID")) {
    const std::optional<uint64_t> id = get("SLURM_ARRAY_TASK_ID");
    const std::optional<uint64_t> min =
        set("SLURM_ARRAY_TASK_MIN") ? get("SLURM_ARRAY_TASK_MIN") : std::optional<uint64_t>(0);
    std::optional<uint64_t> index;
    if (id && min && *id >= *min) index = *id - *min;
    return Make(index, get("SLURM_ARRAY_TASK_COUNT"),
                "SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT");
  }
  if (set("JOB_COMPLETION_INDEX")) {
    return Make(get("JOB_COMPLETION_INDEX"), get("MQSIM_SHARDS"),
                "JOB_COMPLETION_INDEX, MQSIM_SHARDS");
  }
  if (set("TEST_SHARD_INDEX")) {
    return Make(get("TEST_SHARD_INDEX"), get("TEST_TOTAL_SHARDS"),
                "TEST_SHARD_INDEX, TEST_TOTAL_SHARDS");
  }
  return absl::InvalidArgumentError(
      "--shard env: no scheduler's shard variables are set (SLURM_ARRAY_TASK_ID and "
      "SLURM_ARRAY_TASK_COUNT; JOB_COMPLETION_INDEX and MQSIM_SHARDS; TEST_SHARD_INDEX and "
      "TEST_TOTAL_SHARDS)");
}

std::pair<uint64_t, uint64_t> ShardSlice(uint64_t n, const Shard& s) {
  MQSIM_ASSERT(s.index < s.count);
  const uint64_t base = n / s.count;  // no overflow: index * base <= n
  const uint64_t extra = n % s.count;
  const uint64_t begin = s.index * base + std::min(s.index, extra);
  return {begin, begin + base + (s.index < extra ? 1 : 0)};
}

std::optional<SeedRange> ShardSeeds(const SeedRange& all, const Shard& s) {
  const auto [begin, end] = ShardSlice(all.count(), s);
  if (begin == end) return std::nullopt;
  return SeedRange{all.first + begin, all.first + end - 1};
}

std::string ShardFileName(const Shard& s) {
  return "shard-" + std::to_string(s.index) + "-of-" + std::to_string(s.count) + ".jsonl";
}

}  // namespace mqsim::scenarios
