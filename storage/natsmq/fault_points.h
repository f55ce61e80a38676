// The libfiu points of failure and BUGGIFY sites inside the natsmq file store
// (base/fault_point.h, base/buggify.h). faults/ enables them by name or by prefix
// ("natsmq/*"); tests check that every point is reached.
#pragma once

namespace mqsim::natsmq::points {

// Points of failure: the operation fails there as if its write failed (or, for "after"
// points, its acknowledgement was lost).
inline constexpr char kReserveSeq[] = "natsmq/publish/reserve-seq";  // sequence block
inline constexpr char kPublishBeforeAppend[] = "natsmq/publish/before-append";
inline constexpr char kPublishAfterAppend[] = "natsmq/publish/after-append";  // stored, ack lost
inline constexpr char kBlockRollover[] = "natsmq/block/rollover";  // old block closed, new not open
inline constexpr char kIndexWrite[] = "natsmq/index/write";
inline constexpr char kEvictBeforeMarker[] = "natsmq/evict/before-marker";  // limits, expiry, purge
inline constexpr char kConsumerSave[] = "natsmq/consumer/save";
inline constexpr char kRecoveryLoadBlock[] = "natsmq/recovery/load-block";

inline constexpr const char* kAll[] = {kReserveSeq,    kPublishBeforeAppend, kPublishAfterAppend,
                                       kBlockRollover, kIndexWrite,          kEvictBeforeMarker,
                                       kConsumerSave,  kRecoveryLoadBlock};

// BUGGIFY sites.
inline constexpr char kBuggifyEarlyRollover[] = "natsmq/buggify/early-rollover";
inline constexpr char kBuggifySkipIndex[] = "natsmq/buggify/skip-index";
inline constexpr char kBuggifySyncNow[] = "natsmq/buggify/sync-now";
inline constexpr const char* kAllBuggify[] = {kBuggifyEarlyRollover, kBuggifySkipIndex,
                                              kBuggifySyncNow};

}  // namespace mqsim::natsmq::points
