#include "scenarios/aligned_payload.h"

#include <algorithm>

#include "base/assert.h"
#include "properties/retention_checkers.h"

namespace mqsim::scenarios {

int64_t AlignedPayloadBytes(backends::MqType type, const backends::MilvusMqConfig& config,
                            const std::string& topic, int64_t lo, int64_t hi) {
  MQSIM_ASSERT(0 <= lo && lo <= hi);
  int64_t boundary = 0;
  int64_t overhead = 0;  // stored bytes beyond the payload
  switch (type) {
    case backends::MqType::kRocksMq:
      boundary = config.rocksmq.page_size_bytes;  // pages count payload bytes
      break;
    case backends::MqType::kNatsMq:
      boundary = config.natsmq.retention_max_bytes.value_or(0);
      overhead = static_cast<int64_t>(properties::JetStreamStoredBytes(topic.size(), 0, 0));
      break;
    default:
      return 0;
  }
  if (boundary <= 0) return 0;
  const int64_t top = std::min(hi, boundary - overhead);
  for (int64_t payload = top; payload >= std::max<int64_t>(lo, 1); --payload) {
    if (boundary % (payload + overhead) == 0) return payload;
  }
  return 0;
}

std::string PaddedPayload(const std::string& prefix, int64_t bytes) {
  const auto n = static_cast<size_t>(std::max<int64_t>(bytes, 0));
  return prefix.size() >= n ? prefix : prefix + std::string(n - prefix.size(), 'x');
}

}  // namespace mqsim::scenarios
