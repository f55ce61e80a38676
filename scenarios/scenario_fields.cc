#include "scenarios/scenario_fields.h"

#include <string>

#include "base/status_macros.h"

namespace mqsim::scenarios {

using base::YamlSection;

absl::Status GetDuration(YamlSection& s, std::string_view key, sim::Duration* out) {
  if (!s.Has(key)) return absl::OkStatus();
  const YAML::Node v = s.Raw(key);
  std::optional<sim::Duration> d;
  if (v.IsScalar()) d = sim::Duration::Parse(v.Scalar());
  if (!d) return s.Error(key, "expected a duration like 500ms, 30s, 10m or 6h");
  *out = *d;
  return absl::OkStatus();
}

absl::Status GetPositiveDuration(YamlSection& s, std::string_view key, sim::Duration* out) {
  MQSIM_RETURN_IF_ERROR(GetDuration(s, key, out));
  if (s.Has(key) && *out <= sim::Duration::Zero()) {
    return s.Error(key, "must be positive (leave the key out to switch this off)");
  }
  return absl::OkStatus();
}

absl::Status GetOptionalDuration(YamlSection& s, std::string_view key,
                                 std::optional<sim::Duration>* out) {
  if (!s.Has(key)) return absl::OkStatus();
  sim::Duration d;
  MQSIM_RETURN_IF_ERROR(GetDuration(s, key, &d));
  *out = d;
  return absl::OkStatus();
}

absl::Status GetMqType(YamlSection& s, std::string_view key, std::optional<backends::MqType>* out) {
  if (!s.Has(key)) return absl::OkStatus();
  std::string name;
  MQSIM_RETURN_IF_ERROR(s.Get(key, &name));
  const std::optional<backends::MqType> t = backends::ParseMqType(name);
  if (!t)
    return s.Error(key,
                   "unknown backend \"" + name + "\" (rocksmq, natsmq, model, pulsar or kafka)");
  *out = t;
  return absl::OkStatus();
}

}  // namespace mqsim::scenarios
