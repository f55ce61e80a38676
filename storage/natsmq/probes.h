// The probes of the natsmq file store (base/probe.h): paths a sweep should reach, counted by
// coverage and required of the stock scenarios as goals. Only limits Milvus's natsmq
// configuration can set are listed (discard-new and a per-stream message size are not).
#pragma once

namespace mqsim::natsmq::probes {

// A publish evicted the oldest messages because the stream held more than MaxMsgs.
inline constexpr char kLimitMaxMsgs[] = "natsmq/limit/max-msgs";
// A publish evicted the oldest messages because the stream held more than MaxBytes.
inline constexpr char kLimitMaxBytes[] = "natsmq/limit/max-bytes";
// Expiry removed messages older than MaxAge.
inline constexpr char kLimitMaxAge[] = "natsmq/limit/max-age";
// A publish was refused: larger than server.maxPayload.
inline constexpr char kLimitMaxPayload[] = "natsmq/limit/max-payload";
// A publish was refused: the store holds more than server.maxFileStore.
inline constexpr char kLimitMaxFileStore[] = "natsmq/limit/max-file-store";
// Recovery read a closed block from its index.
inline constexpr char kRecoveryIndexTrusted[] = "natsmq/recovery/index-trusted";
// Recovery scanned a block record by record (the current block, or an index that did not
// check out or did not cover the block).
inline constexpr char kRecoveryBlockScanned[] = "natsmq/recovery/block-scanned";
// Recovery cut a torn or corrupt tail off a block.
inline constexpr char kRecoveryTornTail[] = "natsmq/recovery/torn-tail";

inline constexpr const char* kAll[] = {
    kLimitMaxMsgs,      kLimitMaxBytes,        kLimitMaxAge,          kLimitMaxPayload,
    kLimitMaxFileStore, kRecoveryIndexTrusted, kRecoveryBlockScanned, kRecoveryTornTail};

}  // namespace mqsim::natsmq::probes
