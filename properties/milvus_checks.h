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

#include <optional>

#include "properties/checkers.h"
#include "properties/history.h"
#include "properties/milvus_data_path.h"
#include "sim/time.h"

namespace mqsim::properties {

// Each missing row is judged once: one that a power loss could take (unsynced, the power
// loss before its flush) is allowed; else one a switch came before the flush of is S2's;
// else one whose channel was replaced by latest before its flush is S3's; else S1's.
// Power losses and switches are read from history (the run's).

// S1.
std::optional<Violation> CheckFlushedRows(MilvusDataPath& path, const History& history);
// S2, for every switch in history. Names the first lost row.
std::optional<Violation> CheckFlushBeforeSwitch(MilvusDataPath& path, const History& history);
// S3.
std::optional<Violation> CheckForeignPositions(MilvusDataPath& path, const History& history);

}  // namespace mqsim::properties
