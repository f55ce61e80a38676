#include "storage/natsmq/natsmq_config.h"

namespace mqsim::natsmq {

StreamConfig NatsMqOptions::StreamFor(const std::string& topic) const {
  StreamConfig c;
  c.name = topic;
  if (retention_max_age_minutes && *retention_max_age_minutes > 0) {
    c.max_age_ns = *retention_max_age_minutes * 60 * 1'000'000'000LL;
  }
  // JetStream reads 0 (and any negative) as unlimited.
  if (retention_max_bytes && *retention_max_bytes > 0) c.max_bytes = *retention_max_bytes;
  if (retention_max_msgs && *retention_max_msgs > 0) c.max_msgs = *retention_max_msgs;
  c.max_msg_size = static_cast<int32_t>(std::min<int64_t>(max_payload_bytes, INT32_MAX));
  return c;
}

uint64_t BlockSizeFor(const StreamConfig& config) {
  constexpr int64_t kMin = 32'000;      // FileStoreMinBlkSize
  constexpr int64_t kMedium = 4 << 20;  // defaultMediumBlockSize
  constexpr int64_t kLarge = 8 << 20;   // defaultLargeBlockSize, also the maximum
  if (config.max_bytes <= 0) return kLarge;
  int64_t size = config.max_bytes / 4 + 1;
  if (size % 100 != 0) size += 100 - size % 100;
  if (size <= kMin) return kMin;
  return size >= kLarge ? kLarge : kMedium;
}

uint64_t NatsMqOptions::BlockSizeOf(const StreamConfig& config) const {
  return block_size_bytes > 0 ? static_cast<uint64_t>(block_size_bytes) : BlockSizeFor(config);
}

absl::Status ValidateNatsMqOptions(const NatsMqOptions& o) {
  if (o.store_dir.empty()) {
    return absl::InvalidArgumentError("natsmq.server.storeDir must not be empty");
  }
  if (o.max_file_store_bytes <= 0) {
    return absl::InvalidArgumentError("natsmq.server.maxFileStore must be positive");
  }
  if (o.max_payload_bytes <= 0) {
    return absl::InvalidArgumentError("natsmq.server.maxPayload must be positive");
  }
  if (o.max_pending_bytes <= 0) {
    return absl::InvalidArgumentError("natsmq.server.maxPending must be positive");
  }
  if (o.initialize_timeout_ms <= 0) {
    return absl::InvalidArgumentError("natsmq.server.initializeTimeout must be positive");
  }
  if (o.sync_interval_ms <= 0) {
    return absl::InvalidArgumentError("natsmq.syncInterval must be positive");
  }
  if (o.block_size_bytes != 0 && o.block_size_bytes < 1024) {
    return absl::InvalidArgumentError("natsmq block size must be 0 (per stream) or at least 1 KiB");
  }
  return absl::OkStatus();
}

absl::StatusOr<NatsMqOptions> ParseNatsMqConfig(base::YamlSection s) {
  NatsMqOptions o;
  absl::StatusOr<base::YamlSection> server = s.Child("server");
  if (!server.ok()) return server.status();
  MQSIM_RETURN_IF_ERROR(server->Get("port", &o.port));
  MQSIM_RETURN_IF_ERROR(server->Get("storeDir", &o.store_dir));
  MQSIM_RETURN_IF_ERROR(server->Get("maxFileStore", &o.max_file_store_bytes));
  MQSIM_RETURN_IF_ERROR(server->Get("maxPayload", &o.max_payload_bytes));
  MQSIM_RETURN_IF_ERROR(server->Get("maxPending", &o.max_pending_bytes));
  MQSIM_RETURN_IF_ERROR(server->Get("initializeTimeout", &o.initialize_timeout_ms));
  absl::StatusOr<base::YamlSection> monitor = server->Child("monitor");
  if (!monitor.ok()) return monitor.status();
  MQSIM_RETURN_IF_ERROR(monitor->Get("trace", &o.monitor_trace));
  MQSIM_RETURN_IF_ERROR(monitor->Get("debug", &o.monitor_debug));
  MQSIM_RETURN_IF_ERROR(monitor->Get("logTime", &o.monitor_log_time));
  MQSIM_RETURN_IF_ERROR(monitor->Get("logFile", &o.monitor_log_file));
  MQSIM_RETURN_IF_ERROR(monitor->Get("logSizeLimit", &o.monitor_log_size_limit));
  MQSIM_RETURN_IF_ERROR(monitor->CheckNoUnknownKeys());
  absl::StatusOr<base::YamlSection> retention = server->Child("retention");
  if (!retention.ok()) return retention.status();
  MQSIM_RETURN_IF_ERROR(retention->GetOptional("maxAge", &o.retention_max_age_minutes));
  MQSIM_RETURN_IF_ERROR(retention->GetOptional("maxBytes", &o.retention_max_bytes));
  MQSIM_RETURN_IF_ERROR(retention->GetOptional("maxMsgs", &o.retention_max_msgs));
  MQSIM_RETURN_IF_ERROR(retention->CheckNoUnknownKeys());
  MQSIM_RETURN_IF_ERROR(server->CheckNoUnknownKeys());
  if (s.Has("retention")) {
    return s.Error("retention",
                   "Milvus reads the limits from natsmq.server.retention (here they would have no "
                   "effect)");
  }

  std::string sync;
  MQSIM_RETURN_IF_ERROR(s.Get("syncInterval", &sync));
  if (sync == "always") {
    o.sync_always = true;
  } else if (!sync.empty()) {
    // "2m", "500ms", "30s": the scenario duration syntax.
    int64_t scale = 0;
    std::string digits = sync;
    if (sync.size() > 2 && sync.ends_with("ms")) {
      scale = 1;
      digits = sync.substr(0, sync.size() - 2);
    } else if (sync.ends_with("s")) {
      scale = 1000;
      digits.pop_back();
    } else if (sync.ends_with("m")) {
      scale = 60'000;
      digits.pop_back();
    }
    char* end = nullptr;
    const long long value = std::strtoll(digits.c_str(), &end, 10);
    if (scale == 0 || digits.empty() || *end != '\0' || value <= 0) {
      return s.Error("syncInterval",
                     "expected \"always\" or a duration such as 2m, 30s, "
                     "500ms, got \"" +
                         sync + "\"");
    }
    o.sync_interval_ms = value * scale;
  }
  MQSIM_RETURN_IF_ERROR(s.CheckNoUnknownKeys());
  absl::Status valid = ValidateNatsMqOptions(o);
  if (!valid.ok()) return s.SectionError(std::string(valid.message()));
  return o;
}

absl::StatusOr<NatsMqOptions> ParseNatsMqConfigText(std::string_view yaml,
                                                    const std::string& file) {
  absl::StatusOr<YAML::Node> root = base::ParseYaml(yaml, file);
  if (!root.ok()) return root.status();
  const YAML::Node& doc = *root;
  YAML::Node section = doc.IsMap() ? doc["natsmq"] : YAML::Node(YAML::NodeType::Undefined);
  return ParseNatsMqConfig(base::YamlSection(section, file, "natsmq", base::YamlReading::kMilvus));
}

}  // namespace mqsim::natsmq
