// The rules a Milvus data path run (properties/milvus_data_path.h) is judged by.
//
//   S1 flushed_rows         every acknowledged row ends in exactly one segment the meta store
//                           names, after any number of crashes and restarts. A row may be
//                           missing only where a power loss could take it: acknowledged
//                           without a durability promise (unsynced produce), and a power loss
//                           came after the acknowledgement and before its channel's checkpoint
//                           passed the row. No row is in a segment that was never inserted,
//                           none is in two, and a channel's checkpoint never moves backwards.
//   S2 flush_before_switch  every row acknowledged before a switch of mq.type is in a segment
//                           (the new store does not have it): a switch without a completed
//                           FlushAll is reported as loss.
//   S3 foreign_position     no channel resumed from another engine's checkpoint as if it were
//                           its own; and with mq.ignoreBadPosition, the rows skipped when a
//                           restart after the switch (before the first checkpoint on the new
//                           store) replaced the old store's position by latest again are
//                           reported as the loss that setting implies.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "properties/checkers.h"
#include "properties/history.h"
#include "properties/milvus_data_path.h"
#include "sim/time.h"

namespace mqsim::properties {

// Why an acknowledged row is in no segment. Each missing row is judged once, in this order.
enum class Cause {
  kPowerLoss,  // unsynced, and a power loss came before its flush: allowed
  kSwitch,     // a switch came before its flush (S2)
  kLatest,     // a resume replaced its channel's position by latest before its flush (S3)
  kUnknown,    // nothing explains it (S1)
};

struct MissingRow {
  uint64_t id = 0;
  const AckedRow* row = nullptr;  // in the data path's acked_rows()
  std::optional<sim::Time> flushed;
  Cause cause = Cause::kUnknown;
};

// The object store read back once, against what was acknowledged: every row in a segment
// the meta store names (row id -> copies), and every acknowledged row in none, with its
// cause. Power losses and switches are read from history (the run's).
struct RowAudit {
  std::map<uint64_t, int> in_segments;
  std::vector<MissingRow> missing;
};
// An error when the object store cannot be read. The audit refers into path: REQUIRES path
// outlives it.
absl::StatusOr<RowAudit> AuditRows(MilvusDataPath& path, const History& history);

// S1.
std::optional<Violation> CheckFlushedRows(const MilvusDataPath& path, const RowAudit& audit);
// S2, for every switch in history. Names the first lost row.
std::optional<Violation> CheckFlushBeforeSwitch(const RowAudit& audit);
// S3.
std::optional<Violation> CheckForeignPositions(const MilvusDataPath& path, const RowAudit& audit);

}  // namespace mqsim::properties
