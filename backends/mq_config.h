// The message-store sections of milvus.yaml (mq, rocksmq, natsmq, pulsar, kafka), parsed
// with Milvus's defaults, and `mq.type` selection exactly as Milvus does it.
//
// A missing key keeps Milvus's default (rocksmq.path "/var/lib/milvus/rdb_data",
// pulsar.address "localhost", kafka.brokerList empty), so a fragment behaves as the same
// fragment in a real milvus.yaml. Unknown keys and wrong types are errors naming the file,
// the line and the key. Credentials (kafka SASL user and password, TLS key password,
// pulsar authParams) are Secrets: they print as "<redacted>" in every message, log and trace.
#pragma once

#include <absl/status/statusor.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backends/mq_type.h"
#include "storage/natsmq/natsmq_options.h"
#include "storage/rocksmq/rocksmq_options.h"

namespace mqsim::backends {

// A credential: readable by code that needs it, never printed.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  std::string ToString() const { return value_.empty() ? "" : "<redacted>"; }

 private:
  std::string value_;
};

struct PulsarConfig {
  std::string address = "localhost";  // "" disables pulsar for mq.type default
  int64_t port = 6650;
  int64_t webport = 80;
  int64_t max_message_size = 2 * 1024 * 1024;  // pulsar.maxMessageSize, bytes (2.4+)
  std::string tenant = "public";
  std::string namespace_ = "default";
  int64_t request_timeout_s = 60;
  bool enable_client_metrics = false;
  std::string auth_plugin;
  Secret auth_params;
};

struct KafkaConfig {
  std::string broker_list;  // "" disables kafka for mq.type default
  Secret sasl_username;
  Secret sasl_password;
  std::string sasl_mechanisms;
  std::string security_protocol;
  bool ssl_enabled = false;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca_cert;
  Secret tls_key_password;
  int64_t read_timeout_s = 10;
  std::map<std::string, std::string> producer;  // passed to the client as is
  std::map<std::string, std::string> consumer;
  int64_t max_message_size = 1024 * 1024;  // the producer's message.max.bytes default
};

struct MqSection {
  std::string type = "default";
  bool enable_pursuit_mode = true;
  int64_t pursuit_lag = 10;
  int64_t pursuit_buffer_size = 8 * 1024 * 1024;
  int64_t pursuit_buffer_time_s = 60;
  int64_t mq_buf_size = 16;
  int64_t receive_buf_size = 16;
  bool ignore_bad_position = false;
  double dispatcher_merge_check_interval_s = 1;
  int64_t dispatcher_target_buf_size = 16;
  int64_t dispatcher_max_tolerant_lag = 3;
  int64_t dispatcher_max_position_gap_minutes = 60;
};

// The names Milvus gives its channels in the message store, and how many DML channels
// rootCoord creates: msgChannel.chanNamePrefix.{cluster,rootCoordDml} (the older
// common.chanNamePrefix.* counts where msgChannel's key is absent or at its default, as in
// Milvus) and rootCoord.dmlChannelNum.
struct ChannelNames {
  std::string cluster = "by-dev";
  std::string root_coord_dml = "rootcoord-dml";
  std::optional<int> dml_channel_num;  // when the configuration sets it (Milvus: 16)
  // "by-dev-rootcoord-dml_": channel i is this followed by i.
  std::string DmlPrefix() const { return cluster + "-" + root_coord_dml + "_"; }
};

struct MilvusMqConfig {
  MqSection mq;
  rocksmq::RocksMqOptions rocksmq;
  natsmq::NatsMqOptions natsmq;
  PulsarConfig pulsar;
  KafkaConfig kafka;
  ChannelNames channels;
  // The top-level sections of the document that do not concern the message store (etcd,
  // minio, proxy, dataNode, log, quotaAndLimits, ...): accepted and ignored, as Milvus's
  // other components would read them. In document order; rootCoord and common, of which
  // one key each is read, are listed as "rootCoord (all but dmlChannelNum)".
  std::vector<std::string> ignored_sections;
};

// root: a milvus.yaml document (or fragment), read as Milvus reads it (base::YamlReading::
// kMilvus): the mq, rocksmq, natsmq, pulsar and kafka sections in full (every key Milvus
// 2.3-2.5 reads there; a typo is an error with the nearest known key), the channel names,
// and every other section accepted and listed in ignored_sections. A misspelt section name
// close to a known one is an error ("rocksmg: did you mean rocksmq?").
absl::StatusOr<MilvusMqConfig> ParseMilvusMqConfig(const YAML::Node& root, const std::string& file);
absl::StatusOr<MilvusMqConfig> ParseMilvusMqConfigText(std::string_view yaml,
                                                       const std::string& file);

enum class DeployMode { kStandalone, kCluster };

// mq.type as Milvus resolves it: an explicit type is validated (rocksmq and natsmq only in
// standalone mode); "default" picks, in standalone mode, rocksmq if rocksmq.path is set,
// else pulsar if pulsar.address is set, else kafka if kafka.brokerList is set; in cluster
// mode pulsar, then kafka. Nothing enabled is an error, never a panic.
absl::StatusOr<MqType> SelectMqType(const MilvusMqConfig& config, DeployMode mode);

// One line for logs and traces, credentials redacted.
std::string Describe(const MilvusMqConfig& config, MqType type);

// Every value of the five sections, and the channel names, as a milvus.yaml fragment that
// reads back to the same configuration, credentials shown as "<redacted>".
std::string ToMilvusYaml(const MilvusMqConfig& config);

}  // namespace mqsim::backends
