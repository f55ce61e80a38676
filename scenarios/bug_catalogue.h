// The bug catalogue: for each implemented bug mode of docs/bugs.md, the stock
// scenario that catches it, the property expected to fail, and the seed range within which
// it must (bug_catalogue_test holds mqsim to it; bug_detection_benchmark measures it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bug_modes.h"

namespace mqsim::scenarios {

struct CatalogueEntry {
  base::Bug bug;
  const char* scenario;  // a stock scenario's name
  const char* property;  // the check that fails
  uint64_t seeds;        // detected within seeds first_seed..seeds
  // Most bugs are caught from seed 1; one that a swarm found at a late seed is held to the
  // seed that found it (running every seed before it would cost minutes of the suite).
  uint64_t first_seed = 1;
};

// Every bug mode of base/bug_modes.h has an entry (bug_catalogue_test checks it).
inline const std::vector<CatalogueEntry>& Catalogue() {
  using base::Bug;
  static const std::vector<CatalogueEntry> entries = {
      {Bug::kDecimalKeys, "rocksmq-retention", "ordering", 3},
      {Bug::kSkipWalSync, "crash-power-loss", "durability", 3},
      {Bug::kAckOffByOne, "rocksmq-retention", "retention", 12},
      {Bug::kDestroyKeepsData, "rocksmq-seek-storm", "no_resurrection", 4},
      {Bug::kSeekMissingToEarliest, "rocksmq-seek-storm", "seek", 6},
      {Bug::kLatestPrefix, "rocksmq-retention", "latest", 3},
      {Bug::kNatsBytesPayloadOnly, "natsmq-limits", "page_accounting", 3},
      {Bug::kSwitchWithoutFlush, "milvus-switch", "flush_before_switch", 8},
      {Bug::kSeekBackwardAbort, "rocksmq-seek-storm", "no_panic", 2},
      {Bug::kAckPageMissed, "rocksmq-retention", "retention", 3},
      {Bug::kAckRefresh, "rocksmq-retention", "retention", 4},
      {Bug::kIdReuseAfterRetention, "rocksmq-seek-storm", "ordering", 4},
      {Bug::kNatsExpireLate, "natsmq-limits", "nats_limits", 10},
      {Bug::kGcPauseDropsTimer, "slow-gc", "retention", 4},
      {Bug::kForeignPositionSilent, "milvus-switch", "foreign_position", 2},
      {Bug::kMetaBeforeData, "rocksmq-retention", "no_resurrection", 3},
      {Bug::kPageMetaTorn, "crash-power-loss", "page_accounting", 3},
      {Bug::kNatsRolloverNullWriter, "natsmq-every-fault-point", "engine_crash", 8},
      {Bug::kLostWakeup, "slow-gc", "delivery_liveness", 3},
      {Bug::kCheckpointAheadOfSegment, "milvus-switch-under-faults", "flushed_rows", 3},
      {Bug::kResumeIncludesCheckpoint, "milvus-switch-under-faults", "flushed_rows", 3},
  };
  return entries;
}

// The catalogue as the Markdown table of docs/bugs.md, generated from the one registry
// (`mqsim list-bugs --markdown`; bug_catalogue_test checks the docs carry it verbatim).
inline std::string CatalogueMarkdown() {
  std::string out =
      "| bug mode | what goes wrong | origin | caught by | stock scenario | property | caught "
      "within |\n|---|---|---|---|---|---|---|\n";
  for (const base::BugInfo& b : base::AllBugs()) {
    for (const CatalogueEntry& c : Catalogue()) {
      if (c.bug != b.bug) continue;
      const std::string within = c.first_seed == c.seeds ? "seed " + std::to_string(c.seeds)
                                                         : "seeds " + std::to_string(c.first_seed) +
                                                               ".." + std::to_string(c.seeds);
      out += "| `" + std::string(b.name) + "` | " + std::string(b.what) + " | " +
             std::string(b.origin) + " | " + std::string(b.catcher) + " | " + c.scenario + " | " +
             c.property + " | " + within + " |\n";
    }
  }
  return out;
}

}  // namespace mqsim::scenarios
