#include "backends/mq_config.h"

#include "base/status_macros.h"
#include "base/yaml_config.h"
#include "storage/natsmq/natsmq_config.h"
#include "storage/rocksmq/rocksmq_config.h"

namespace mqsim::backends {

namespace {

absl::Status GetSecret(base::YamlSection& s, std::string_view key, Secret* out) {
  std::string value;
  if (!s.Has(key)) return absl::OkStatus();
  const absl::Status st = s.Get(key, &value);
  // Never echo the value back: the error names only the key.
  if (!st.ok()) return s.Error(key, "expected a string");
  *out = Secret(std::move(value));
  return absl::OkStatus();
}

absl::Status GetStringMap(base::YamlSection& s, std::string_view key,
                          std::map<std::string, std::string>* out) {
  if (!s.Has(key)) return absl::OkStatus();
  const YAML::Node node = s.Raw(key);
  if (node.IsNull()) return absl::OkStatus();
  if (!node.IsMap()) return s.Error(key, "expected a mapping of client settings");
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) return s.Error(key, "setting names must be plain strings");
    if (!kv.second.IsScalar()) {
      return s.Error(key, "setting \"" + kv.first.Scalar() + "\" must be a scalar");
    }
    (*out)[kv.first.Scalar()] = kv.second.Scalar();
  }
  return absl::OkStatus();
}

absl::Status ParseMq(base::YamlSection s, MqSection* mq) {
  MQSIM_RETURN_IF_ERROR(s.Get("type", &mq->type));
  MQSIM_RETURN_IF_ERROR(s.Get("enablePursuitMode", &mq->enable_pursuit_mode));
  MQSIM_RETURN_IF_ERROR(s.Get("pursuitLag", &mq->pursuit_lag));
  MQSIM_RETURN_IF_ERROR(s.Get("pursuitBufferSize", &mq->pursuit_buffer_size));
  MQSIM_RETURN_IF_ERROR(s.Get("mqBufSize", &mq->mq_buf_size));
  MQSIM_RETURN_IF_ERROR(s.Get("ignoreBadPosition", &mq->ignore_bad_position));
  absl::StatusOr<base::YamlSection> d = s.Child("dispatcher");
  if (!d.ok()) return d.status();
  MQSIM_RETURN_IF_ERROR(d->Get("mergeCheckInterval", &mq->dispatcher_merge_check_interval));
  MQSIM_RETURN_IF_ERROR(d->Get("targetBufSize", &mq->dispatcher_target_buf_size));
  MQSIM_RETURN_IF_ERROR(d->Get("maxTolerantLag", &mq->dispatcher_max_tolerant_lag));
  MQSIM_RETURN_IF_ERROR(d->CheckNoUnknownKeys());
  if (mq->type != "default" && !ParseMqType(mq->type)) {
    return s.Error("type", "unknown message queue \"" + mq->type +
                               "\" (expected default, rocksmq, natsmq, pulsar or kafka)");
  }
  if (mq->type == "model") {
    return s.Error("type", "\"model\" is mqsim's reference model, not a Milvus mq.type");
  }
  return s.CheckNoUnknownKeys();
}

absl::Status ParsePulsar(base::YamlSection s, PulsarConfig* p) {
  MQSIM_RETURN_IF_ERROR(s.Get("address", &p->address));
  MQSIM_RETURN_IF_ERROR(s.Get("port", &p->port));
  MQSIM_RETURN_IF_ERROR(s.Get("webport", &p->webport));
  MQSIM_RETURN_IF_ERROR(s.Get("maxMessageSize", &p->max_message_size));
  MQSIM_RETURN_IF_ERROR(s.Get("tenant", &p->tenant));
  MQSIM_RETURN_IF_ERROR(s.Get("namespace", &p->namespace_));
  MQSIM_RETURN_IF_ERROR(s.Get("requestTimeout", &p->request_timeout_s));
  MQSIM_RETURN_IF_ERROR(s.Get("enableClientMetrics", &p->enable_client_metrics));
  MQSIM_RETURN_IF_ERROR(s.Get("authPlugin", &p->auth_plugin));
  MQSIM_RETURN_IF_ERROR(GetSecret(s, "authParams", &p->auth_params));
  (void)s.Raw("backlogAutoClearBytes");  // accepted, no effect in the simulation
  if (p->port <= 0 || p->port > 65535) return s.Error("port", "must be a TCP port (1..65535)");
  if (p->webport <= 0 || p->webport > 65535) {
    return s.Error("webport", "must be a TCP port (1..65535)");
  }
  if (p->max_message_size <= 0) return s.Error("maxMessageSize", "must be positive (bytes)");
  if (p->tenant.empty()) return s.Error("tenant", "must not be empty");
  if (p->namespace_.empty()) return s.Error("namespace", "must not be empty");
  if (p->request_timeout_s <= 0) return s.Error("requestTimeout", "must be positive (seconds)");
  return s.CheckNoUnknownKeys();
}

absl::Status ParseKafka(base::YamlSection s, KafkaConfig* k) {
  MQSIM_RETURN_IF_ERROR(s.Get("brokerList", &k->broker_list));
  MQSIM_RETURN_IF_ERROR(GetSecret(s, "saslUsername", &k->sasl_username));
  MQSIM_RETURN_IF_ERROR(GetSecret(s, "saslPassword", &k->sasl_password));
  MQSIM_RETURN_IF_ERROR(s.Get("saslMechanisms", &k->sasl_mechanisms));
  MQSIM_RETURN_IF_ERROR(s.Get("securityProtocol", &k->security_protocol));
  MQSIM_RETURN_IF_ERROR(s.Get("readTimeout", &k->read_timeout_s));
  MQSIM_RETURN_IF_ERROR(GetStringMap(s, "producer", &k->producer));
  MQSIM_RETURN_IF_ERROR(GetStringMap(s, "consumer", &k->consumer));
  absl::StatusOr<base::YamlSection> ssl = s.Child("ssl");
  if (!ssl.ok()) return ssl.status();
  MQSIM_RETURN_IF_ERROR(ssl->Get("enabled", &k->ssl_enabled));
  MQSIM_RETURN_IF_ERROR(ssl->Get("tlsCert", &k->tls_cert));
  MQSIM_RETURN_IF_ERROR(ssl->Get("tlsKey", &k->tls_key));
  MQSIM_RETURN_IF_ERROR(ssl->Get("tlsCaCert", &k->tls_ca_cert));
  MQSIM_RETURN_IF_ERROR(GetSecret(*ssl, "tlsKeyPassword", &k->tls_key_password));
  MQSIM_RETURN_IF_ERROR(ssl->CheckNoUnknownKeys());
  if (auto it = k->producer.find("message.max.bytes"); it != k->producer.end()) {
    try {
      k->max_message_size = std::stoll(it->second);
    } catch (...) {
      return s.Error("producer", "message.max.bytes must be a number of bytes");
    }
  }
  if (!k->sasl_mechanisms.empty() && !k->sasl_mechanisms.starts_with("PLAIN") &&
      !k->sasl_mechanisms.starts_with("SCRAM-SHA-") && k->sasl_mechanisms != "OAUTHBEARER" &&
      k->sasl_mechanisms != "GSSAPI") {
    return s.Error("saslMechanisms",
                   "unknown SASL mechanism \"" + k->sasl_mechanisms +
                       "\" (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, GSSAPI, OAUTHBEARER)");
  }
  if (!k->security_protocol.empty() && k->security_protocol != "PLAINTEXT" &&
      k->security_protocol != "SSL" && k->security_protocol != "SASL_PLAINTEXT" &&
      k->security_protocol != "SASL_SSL") {
    return s.Error("securityProtocol", "unknown protocol \"" + k->security_protocol +
                                           "\" (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)");
  }
  if (!k->sasl_mechanisms.empty() && (k->sasl_username.empty() || k->sasl_password.empty())) {
    return s.Error("saslMechanisms", "SASL needs kafka.saslUsername and kafka.saslPassword");
  }
  if (k->read_timeout_s <= 0) return s.Error("readTimeout", "must be positive (seconds)");
  return s.CheckNoUnknownKeys();
}

}  // namespace

absl::StatusOr<MilvusMqConfig> ParseMilvusMqConfig(const YAML::Node& root,
                                                   const std::string& file) {
  if (root && !root.IsNull() && !root.IsMap()) {
    return absl::InvalidArgumentError(file + ": expected a mapping of milvus.yaml sections");
  }
  MilvusMqConfig c;
  auto section = [&](const char* key) {
    return base::YamlSection(root ? root[key] : YAML::Node(), file, key);
  };
  MQSIM_RETURN_IF_ERROR(ParseMq(section("mq"), &c.mq));
  absl::StatusOr<rocksmq::RocksMqOptions> r = rocksmq::ParseRocksMqConfig(section("rocksmq"));
  if (!r.ok()) return r.status();
  c.rocksmq = *r;
  absl::StatusOr<natsmq::NatsMqOptions> n = natsmq::ParseNatsMqConfig(section("natsmq"));
  if (!n.ok()) return n.status();
  c.natsmq = *n;
  MQSIM_RETURN_IF_ERROR(ParsePulsar(section("pulsar"), &c.pulsar));
  MQSIM_RETURN_IF_ERROR(ParseKafka(section("kafka"), &c.kafka));
  return c;
}

absl::StatusOr<MilvusMqConfig> ParseMilvusMqConfigText(std::string_view yaml,
                                                       const std::string& file) {
  absl::StatusOr<YAML::Node> root = base::ParseYaml(yaml, file);
  if (!root.ok()) return root.status();
  return ParseMilvusMqConfig(*root, file);
}

absl::StatusOr<MqType> SelectMqType(const MilvusMqConfig& c, DeployMode mode) {
  const bool standalone = mode == DeployMode::kStandalone;
  if (c.mq.type != "default") {
    const std::optional<MqType> t = ParseMqType(c.mq.type);
    if (!t || *t == MqType::kModel) {
      return absl::InvalidArgumentError("mq.type: unknown message queue \"" + c.mq.type + "\"");
    }
    if (!standalone && (*t == MqType::kRocksMq || *t == MqType::kNatsMq)) {
      return absl::InvalidArgumentError("mq.type: " + c.mq.type +
                                        " is only valid in standalone mode (cluster mode "
                                        "needs pulsar or kafka)");
    }
    if (*t == MqType::kPulsar && c.pulsar.address.empty()) {
      return absl::InvalidArgumentError("mq.type is pulsar but pulsar.address is empty");
    }
    if (*t == MqType::kKafka && c.kafka.broker_list.empty()) {
      return absl::InvalidArgumentError("mq.type is kafka but kafka.brokerList is empty");
    }
    if (*t == MqType::kRocksMq && c.rocksmq.path.empty()) {
      return absl::InvalidArgumentError("mq.type is rocksmq but rocksmq.path is empty");
    }
    return *t;
  }
  if (standalone && !c.rocksmq.path.empty()) return MqType::kRocksMq;
  if (!c.pulsar.address.empty()) return MqType::kPulsar;
  if (!c.kafka.broker_list.empty()) return MqType::kKafka;
  return absl::InvalidArgumentError(
      standalone ? "mq.type default: no message queue is enabled (set rocksmq.path, "
                   "pulsar.address or kafka.brokerList)"
                 : "mq.type default: no message queue is enabled for cluster mode (set "
                   "pulsar.address or kafka.brokerList)");
}

std::string Describe(const MilvusMqConfig& c, MqType type) {
  std::string out = "mq.type=" + std::string(ToString(type));
  switch (type) {
    case MqType::kRocksMq:
      out += " rocksmq.path=" + c.rocksmq.path;
      break;
    case MqType::kNatsMq:
      out += " natsmq.server.storeDir=" + c.natsmq.store_dir;
      break;
    case MqType::kPulsar:
      out += " pulsar=" + c.pulsar.address + ":" + std::to_string(c.pulsar.port) +
             " tenant=" + c.pulsar.tenant + " namespace=" + c.pulsar.namespace_ +
             " maxMessageSize=" + std::to_string(c.pulsar.max_message_size);
      if (!c.pulsar.auth_params.empty()) out += " authParams=" + c.pulsar.auth_params.ToString();
      break;
    case MqType::kKafka:
      out += " kafka.brokerList=" + c.kafka.broker_list;
      if (!c.kafka.sasl_mechanisms.empty()) {
        out += " sasl=" + c.kafka.sasl_mechanisms + " user=" + c.kafka.sasl_username.ToString() +
               " password=" + c.kafka.sasl_password.ToString();
      }
      break;
    case MqType::kModel:
      break;
  }
  return out;
}

}  // namespace mqsim::backends
