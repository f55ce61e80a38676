// Merging a sharded sweep: every shard (scenarios/shard.h) writes DIR/shard-I-of-N.jsonl, one
// JSON line per seed (as `mqsim sweep --json` prints them) and a last line that closes the
// file; CollectShards reads them all back into one result, and refuses anything that is not
// exactly one complete sweep: a shard missing or unfinished, files of different sweeps, a
// seed missing, repeated or outside its shard.
#pragma once

#include <absl/status/statusor.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scenarios/driver.h"
#include "scenarios/shard.h"

namespace mqsim::scenarios {

// Writes one shard file: under a temporary name while the shard runs, renamed to
// ShardFileName(shard) with its closing line once every seed is in, so a shard that was
// stopped leaves no file that looks finished.
class ShardWriter {
 public:
  // REQUIRES: shard.index < shard.count.
  static absl::StatusOr<ShardWriter> Open(const std::string& dir, const std::string& scenario,
                                          const SeedRange& all, const Shard& shard);
  void Add(const nlohmann::json& run);
  absl::Status Finish();

 private:
  ShardWriter(std::string dir, std::string scenario, SeedRange all, Shard shard);
  std::string dir_, scenario_;
  SeedRange all_;
  Shard shard_;
  std::string lines_;
  uint64_t runs_ = 0;
};

struct CollectedSweep {
  std::string scenario;
  SeedRange seeds;
  uint64_t shards = 0;
  std::string mqsim;                 // the version every shard ran
  std::vector<nlohmann::json> runs;  // one per seed, in seed order
  uint64_t passed = 0, failed = 0, unexpected = 0;
};

// Reads every shard-*-of-*.jsonl in `dir`. Errors name the file (and line) at fault.
absl::StatusOr<CollectedSweep> CollectShards(const std::string& dir);

// The merged summary: the sweep, the tallies, and per seed its result and hash (and for a
// failure its property and REPRO line).
nlohmann::json SummaryJson(const CollectedSweep& c);
// The same as JUnit XML, one test case per seed.
std::string SummaryJUnit(const CollectedSweep& c);
// The same as the sweep's summary page (scenarios/html_report.h, SweepSummaryHtml): every
// seed, failures first. Errors name the seed whose line does not read back.
absl::StatusOr<std::string> SummaryHtml(const CollectedSweep& c);

}  // namespace mqsim::scenarios
