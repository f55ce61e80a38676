#include "backends/mq_type.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace mqsim::backends {

std::string_view ToString(MqType type) {
  switch (type) {
    case MqType::kRocksMq:
      return "rocksmq";
    case MqType::kNatsMq:
      return "natsmq";
    case MqType::kPulsar:
      return "pulsar";
    case MqType::kKafka:
      return "kafka";
    case MqType::kModel:
      return "model";
  }
  return "unknown";
}

std::optional<MqType> ParseMqType(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (MqType t :
       {MqType::kRocksMq, MqType::kNatsMq, MqType::kPulsar, MqType::kKafka, MqType::kModel}) {
    if (lower == ToString(t)) return t;
  }
  return std::nullopt;
}

}  // namespace mqsim::backends
