// Payload lengths that land byte sums exactly on a store's boundaries.
//
// A topic whose messages all take the same number of bytes d, where d divides a boundary B,
// reaches B exactly instead of stepping over it: RocksMQ's open page holds exactly its page
// size (it closes only at the message that takes it past), a JetStream stream holds exactly
// MaxBytes (evicting at the message that takes it past), and a natsmq push subscriber's
// buffer holds exactly maxPending (cut off as a slow consumer only past it). Off-by-one
// comparisons at those boundaries show only there.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backends/mq_config.h"
#include "backends/mq_type.h"

namespace mqsim::scenarios {

// A byte boundary of a store, and the bytes it counts for a message beyond its payload.
struct ByteBoundary {
  int64_t bytes = 0;
  int64_t overhead = 0;
};

// The boundaries a topic's byte sums can land on, in a fixed order: RocksMQ's page size
// (payload bytes); natsmq's MaxBytes (JetStream's stored size: subject and overhead
// included) and, when `push` (a push consumer buffers the topic), maxPending (payload
// bytes). Only boundaries that are configured (positive).
std::vector<ByteBoundary> ByteBoundaries(backends::MqType type,
                                         const backends::MilvusMqConfig& config,
                                         const std::string& topic, bool push);

// The payload length in [lo, hi] whose counted size (payload + overhead) is the largest
// divisor of the boundary, or 0 when no length in the range divides it.
// REQUIRES: 0 <= lo <= hi.
int64_t AlignedPayloadBytes(const ByteBoundary& boundary, int64_t lo, int64_t hi);

// A payload of exactly `bytes` bytes that starts with `prefix` (padded with 'x'), or just
// the prefix when it is longer.
std::string PaddedPayload(const std::string& prefix, int64_t bytes);

}  // namespace mqsim::scenarios
