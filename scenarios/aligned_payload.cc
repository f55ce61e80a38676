#include "scenarios/aligned_payload.h"

#include <algorithm>

#include "base/assert.h"
#include "properties/retention_checkers.h"

namespace mqsim::scenarios {

std::vector<ByteBoundary> ByteBoundaries(backends::MqType type,
                                         const backends::MilvusMqConfig& config,
                                         const std::string& topic, bool push) {
  std::vector<ByteBoundary> out;
  switch (type) {
    case backends::MqType::kRocksMq:
      out.push_back({config.rocksmq.page_size_bytes, 0});  // pages count payload bytes
      break;
    case backends::MqType::kNatsMq:
      out.push_back({config.natsmq.retention_max_bytes.value_or(0),
                     static_cast<int64_t>(properties::JetStreamStoredBytes(topic.size(), 0, 0))});
      if (push) out.push_back({config.natsmq.max_pending_bytes, 0});  // payload and headers
      break;
    default:
      break;
  }
  std::erase_if(out, [](const ByteBoundary& b) { return b.bytes <= 0; });
  return out;
}

int64_t AlignedPayloadBytes(const ByteBoundary& boundary, int64_t lo, int64_t hi) {
  MQSIM_ASSERT(0 <= lo && lo <= hi);
  const int64_t top = std::min(hi, boundary.bytes - boundary.overhead);
  for (int64_t payload = top; payload >= std::max<int64_t>(lo, 1); --payload) {
    if (boundary.bytes % (payload + boundary.overhead) == 0) return payload;
  }
  return 0;
}

std::string PaddedPayload(const std::string& prefix, int64_t bytes) {
  const auto n = static_cast<size_t>(std::max<int64_t>(bytes, 0));
  return prefix.size() >= n ? prefix : prefix + std::string(n - prefix.size(), 'x');
}

}  // namespace mqsim::scenarios
