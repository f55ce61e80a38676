#include "storage/rocksmq/rocksmq_config.h"

#include <algorithm>
#include <charconv>

namespace mqsim::rocksmq {

uint64_t BlockCacheBytes(double lru_cache_ratio, uint64_t memory_bytes) {
  constexpr uint64_t kMin = 512ULL << 20;
  constexpr uint64_t kMax = 4ULL << 30;
  const double raw = static_cast<double>(memory_bytes) * lru_cache_ratio;
  if (!(raw > static_cast<double>(kMin))) return kMin;
  if (raw > static_cast<double>(kMax)) return kMax;
  return static_cast<uint64_t>(raw);
}

absl::StatusOr<std::vector<int>> ParseCompressionTypes(std::string_view text) {
  std::vector<int> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    int value = 0;
    const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || ec != std::errc() || ptr != item.data() + item.size()) {
      return absl::InvalidArgumentError("compressionTypes: \"" + std::string(item) +
                                        "\" is not a number");
    }
    out.push_back(value);
    start = end + 1;
  }
  return out;
}

absl::Status ValidateRocksMqOptions(const RocksMqOptions& o) {
  if (o.path.empty()) return absl::InvalidArgumentError("rocksmq.path must not be empty");
  if (o.page_size_bytes <= 0) {
    return absl::InvalidArgumentError("rocksmq.rocksmqPageSize must be positive");
  }
  if (o.retention_time_minutes < 0 && o.retention_time_minutes != -1) {
    return absl::InvalidArgumentError(
        "rocksmq.retentionTimeInMinutes must be >= 0, or -1 to disable");
  }
  if (o.retention_size_mb < -1) {
    return absl::InvalidArgumentError("rocksmq.retentionSizeInMB must be >= 0, or -1 to disable");
  }
  if (o.compaction_interval_s <= 0) {
    return absl::InvalidArgumentError("rocksmq.compactionInterval must be positive");
  }
  if (o.ticker_interval_s <= 0) {
    return absl::InvalidArgumentError("rocksmq.timtickerInterval must be positive");
  }
  if (o.lru_cache_ratio <= 0 || o.lru_cache_ratio > 1) {
    return absl::InvalidArgumentError("rocksmq.lrucacheratio must be in (0, 1]");
  }
  if (o.compression_types.empty()) {
    return absl::InvalidArgumentError("rocksmq.compressionTypes must list one type per level");
  }
  for (int t : o.compression_types) {
    if (t != 0 && t != 7) {
      return absl::InvalidArgumentError("rocksmq.compressionTypes: " + std::to_string(t) +
                                        " is not supported (0 = none, 7 = zstd)");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RocksMqOptions> ParseRocksMqConfig(base::YamlSection s) {
  RocksMqOptions o;
  MQSIM_RETURN_IF_ERROR(s.Get("path", &o.path));
  MQSIM_RETURN_IF_ERROR(s.Get("lrucacheratio", &o.lru_cache_ratio));
  MQSIM_RETURN_IF_ERROR(s.Get("rocksmqPageSize", &o.page_size_bytes));
  MQSIM_RETURN_IF_ERROR(s.Get("retentionTimeInMinutes", &o.retention_time_minutes));
  MQSIM_RETURN_IF_ERROR(s.Get("retentionSizeInMB", &o.retention_size_mb));
  MQSIM_RETURN_IF_ERROR(s.Get("compactionInterval", &o.compaction_interval_s));
  MQSIM_RETURN_IF_ERROR(s.Get("timtickerInterval", &o.ticker_interval_s));
  MQSIM_RETURN_IF_ERROR(s.Get("produceSync", &o.produce_sync));
  const YAML::Node types = s.Raw("compressionTypes");
  if (types.IsDefined() && !types.IsNull()) {
    std::vector<int> parsed;
    if (types.IsSequence()) {
      for (const YAML::Node& t : types) {
        auto one =
            t.IsScalar()
                ? ParseCompressionTypes(t.Scalar())
                : absl::StatusOr<std::vector<int>>(absl::InvalidArgumentError("not a number"));
        if (!one.ok() || one->size() != 1) {
          return s.Error("compressionTypes", "expected a list of 0 or 7, got " +
                                                 (t.IsScalar() ? "\"" + t.Scalar() + "\""
                                                               : std::string("a nested value")));
        }
        parsed.push_back(one->front());
      }
    } else if (types.IsScalar()) {
      auto list = ParseCompressionTypes(types.Scalar());
      if (!list.ok()) return s.Error("compressionTypes", std::string(list.status().message()));
      parsed = *list;
    } else {
      return s.Error("compressionTypes", "expected a list such as [0, 0, 7, 7, 7]");
    }
    for (int t : parsed) {
      if (t != 0 && t != 7) {
        return s.Error("compressionTypes",
                       std::to_string(t) + " is not supported (0 = none, 7 = zstd)");
      }
    }
    o.compression_types = parsed;
  }
  MQSIM_RETURN_IF_ERROR(s.CheckNoUnknownKeys());
  // An empty path is how milvus.yaml disables rocksmq (mq.type selection skips it); the
  // other values must be valid either way. Opening the engine still requires a path.
  RocksMqOptions check = o;
  if (check.path.empty()) check.path = "(disabled)";
  absl::Status valid = ValidateRocksMqOptions(check);
  if (!valid.ok()) return s.SectionError(std::string(valid.message()));
  return o;
}

absl::StatusOr<RocksMqOptions> ParseRocksMqConfigText(std::string_view yaml,
                                                      const std::string& file) {
  absl::StatusOr<YAML::Node> root = base::ParseYaml(yaml, file);
  if (!root.ok()) return root.status();
  const YAML::Node& doc = *root;  // const: lookups must not insert keys
  YAML::Node section = doc.IsMap() ? doc["rocksmq"] : YAML::Node(YAML::NodeType::Undefined);
  return ParseRocksMqConfig(
      base::YamlSection(section, file, "rocksmq", base::YamlReading::kMilvus));
}

}  // namespace mqsim::rocksmq
