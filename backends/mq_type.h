// MqType: the message stores Milvus can be configured with (`mq.type`), plus mqsim's
// in-memory reference model.
#pragma once

#include <optional>
#include <string_view>

namespace mqsim::backends {

enum class MqType { kRocksMq, kNatsMq, kPulsar, kKafka, kModel };

std::string_view ToString(MqType type);
// "rocksmq", "natsmq", "pulsar", "kafka", "model" (case-insensitive, as Milvus).
std::optional<MqType> ParseMqType(std::string_view name);

}  // namespace mqsim::backends
