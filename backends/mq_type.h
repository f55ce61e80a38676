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
// Whether the store keeps its data in files on its node's disk (rocksmq, natsmq), rather
// than in a remote broker (pulsar, kafka; the model, held in memory).
inline bool KeepsFiles(MqType type) { return type == MqType::kRocksMq || type == MqType::kNatsMq; }

}  // namespace mqsim::backends
