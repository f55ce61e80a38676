// Disk space: a store gives back the space of what it removed. Where a store reports the
// files it keeps a topic's messages in (StoreAccounting::files, taken with each full read),
// they must hold no more than what was written to the topic since its first message still
// held, plus one file: the messages from that one on (every produce attempt, a failed one
// included, at the store's record size), a removal record for each produce, purge, delete,
// retention pass and recovery since, and the part of the first message's file written
// before it (at most one block). An empty topic keeps at most one block. Files of messages
// removed (a purge, limits, expiry, deletes), of a destroyed topic created again, or emptied
// before a crash must therefore be gone by the next full read.
//
// Where a store keeps every topic's messages in files they share (StoreAccounting cannot
// say whose bytes are whose: rocksmq's tables), it reports them right after each compaction
// pass (a kCompaction event), which must leave only what the store still holds: per topic,
// what was written from its first message held on plus its failed produces, the records
// every topic name keeps, and each file's overhead.
#pragma once

#include <optional>

#include "properties/checkers.h"

namespace mqsim::properties {

std::optional<Violation> CheckDiskSpace(const History& h);

}  // namespace mqsim::properties
