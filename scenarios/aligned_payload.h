// Payload lengths that land byte sums exactly on a store's boundaries.
//
// A topic whose messages all take the same number of bytes d, where d divides a boundary B,
// reaches B exactly instead of stepping over it: RocksMQ's open page holds exactly its page
// size (it closes only at the message that takes it past), and a JetStream stream holds
// exactly MaxBytes (evicting at the message that takes it past). Off-by-one comparisons at
// those boundaries show only there.
#pragma once

#include <cstdint>
#include <string>

#include "backends/mq_config.h"
#include "backends/mq_type.h"

namespace mqsim::scenarios {

// The payload length in [lo, hi] for `topic` on `type` whose stored size (as the store
// counts it) is the largest divisor of the store's byte boundary, or 0 when the store has
// no such boundary configured or no length in the range divides it.
// REQUIRES: 0 <= lo <= hi.
int64_t AlignedPayloadBytes(backends::MqType type, const backends::MilvusMqConfig& config,
                            const std::string& topic, int64_t lo, int64_t hi);

// A payload of exactly `bytes` bytes that starts with `prefix` (padded with 'x'), or just
// the prefix when it is longer.
std::string PaddedPayload(const std::string& prefix, int64_t bytes);

}  // namespace mqsim::scenarios
