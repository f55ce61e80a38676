// Typed readers for the fields of a scenario file that more than one part of it uses
// (durations, store types). Each leaves *out unchanged when the key is absent and returns an
// error naming the file, the line and the key when the value does not read.
#pragma once

#include <absl/status/status.h>

#include <optional>
#include <string_view>

#include "backends/mq_type.h"
#include "base/yaml_config.h"
#include "sim/time.h"

namespace mqsim::scenarios {

// "500ms", "30s", "10m", "6h", "1m30s".
absl::Status GetDuration(base::YamlSection& s, std::string_view key, sim::Duration* out);
// A duration that switches something on: when the key is given it must be positive, since
// zero would silently leave the fault (or stall, or pause) off.
absl::Status GetPositiveDuration(base::YamlSection& s, std::string_view key, sim::Duration* out);
absl::Status GetOptionalDuration(base::YamlSection& s, std::string_view key,
                                 std::optional<sim::Duration>* out);
// rocksmq, natsmq, model, pulsar or kafka.
absl::Status GetMqType(base::YamlSection& s, std::string_view key,
                       std::optional<backends::MqType>* out);

}  // namespace mqsim::scenarios
