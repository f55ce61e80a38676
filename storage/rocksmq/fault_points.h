// The libfiu points of failure and BUGGIFY sites inside the RocksMQ engine
// (base/fault_point.h, base/buggify.h). faults/ enables them by name or by prefix
// ("rocksmq/*"); tests check that every point is reached.
#pragma once

namespace mqsim::rocksmq::points {

// Points of failure. "before" points fail an operation before its RocksDB write (the
// engine then treats its databases as failed and reopens them); "after" points lose the
// acknowledgement of a write that happened.
inline constexpr char kReserveIds[] = "rocksmq/produce/reserve-ids";  // id block before messages
inline constexpr char kProduceBeforeWrite[] =
    "rocksmq/produce/before-write";                                          // before the WAL write
inline constexpr char kProduceAfterWrite[] = "rocksmq/produce/after-write";  // written, ack lost
inline constexpr char kAckWrite[] = "rocksmq/ack/before-write";              // page ack records
// A read of a topic's messages fails as a RocksDB iterator's I/O error would: the call
// fails, nothing changes, and the store stays open (reads never mark it for a reopen).
inline constexpr char kConsumeRead[] = "rocksmq/consume/read";
inline constexpr char kRetentionDelete[] = "rocksmq/retention/before-delete";  // retention batch
inline constexpr char kDestroyBetween[] =
    "rocksmq/topic/destroy-between-writes";  // data gone, registry not
inline constexpr char kRecoveryLoadTopic[] =
    "rocksmq/recovery/load-topic";  // rebuilding a topic at open
inline constexpr char kCompaction[] = "rocksmq/compaction/before";

inline constexpr const char* kAll[] = {kReserveIds,     kProduceBeforeWrite, kProduceAfterWrite,
                                       kAckWrite,       kConsumeRead,        kRetentionDelete,
                                       kDestroyBetween, kRecoveryLoadTopic,  kCompaction};

// BUGGIFY sites.
inline constexpr char kBuggifySmallReservation[] = "rocksmq/buggify/small-id-reservation";
inline constexpr char kBuggifyFlush[] = "rocksmq/buggify/flush-after-produce";
inline constexpr char kBuggifyRetentionOnePage[] = "rocksmq/buggify/retention-one-page";
inline constexpr const char* kAllBuggify[] = {kBuggifySmallReservation, kBuggifyFlush,
                                              kBuggifyRetentionOnePage};

}  // namespace mqsim::rocksmq::points
