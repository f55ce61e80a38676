// Helpers shared by the files that define RocksMQ's members (rocksmq.cc, rocksmq_recovery.cc,
// rocksmq_produce.cc, rocksmq_consume.cc, rocksmq_retention.cc). Not part of the engine's API.
#pragma once

#include <absl/status/status.h>
#include <rocksdb/options.h>
#include <rocksdb/status.h>

#include <string_view>

#include "base/bug_modes.h"

namespace mqsim::rocksmq::internal {

// Bug modes whose behaviour relies on the checkpoint of every Produce and on recovery
// trusting it alone, as the engine did before checkpoints were spaced out: decimal_keys
// (key order is not id order, so messages after a checkpoint cannot be found by a seek),
// page_meta_torn (the open page record is what a torn write leaves stale) and
// id_reuse_after_retention (ids restart below the checkpoint).
inline bool CheckpointEveryProduce() {
  return MQSIM_BUG(kDecimalKeys) || MQSIM_BUG(kPageMetaTorn) || MQSIM_BUG(kIdReuseAfterRetention);
}

// Topic creation and destruction are rare and must survive power loss whatever
// produce_sync says (a topic lost from the registry would orphan its synced messages; a
// destroy whose data deletion is lost would hand old messages to a re-created topic).
inline rocksdb::WriteOptions Synced() {
  rocksdb::WriteOptions o;
  o.sync = true;
  return o;
}

// A RocksDB status as an absl::Status naming what failed: NoSpace is ResourceExhausted,
// Corruption DataLoss, NotFound NotFound, anything else Unavailable.
absl::Status FromRocks(const rocksdb::Status& s, std::string_view what);

}  // namespace mqsim::rocksmq::internal
