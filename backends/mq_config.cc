#include "backends/mq_config.h"

#include <algorithm>
#include <sstream>

#include "base/did_you_mean.h"
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

absl::Status ParseMqType(base::YamlSection& s, std::string* type) {
  const bool given = s.Has("type");
  MQSIM_RETURN_IF_ERROR(s.Get("type", type));
  if (given && type->empty()) {
    return s.Error("type", "empty: Milvus refuses to start (\"mq type  is invalid\"); say default");
  }
  if (*type == "woodpecker") {
    return s.Error("type",
                   "woodpecker (Milvus 2.6's own log) is not one of the stores mqsim runs "
                   "(rocksmq, natsmq, pulsar, kafka)");
  }
  if (const std::optional<MqType> t = backends::ParseMqType(*type); t && *type != ToString(*t)) {
    return s.Error("type",
                   "Milvus compares it case-sensitively: write " + std::string(ToString(*t)));
  }
  if (*type != "default" && !backends::ParseMqType(*type)) {
    return s.Error("type", "unknown message queue \"" + *type +
                               "\" (expected default, rocksmq, natsmq, pulsar or kafka; Milvus "
                               "compares it case-sensitively)");
  }
  if (*type == "model") {
    return s.Error("type", "\"model\" is mqsim's reference model, not a Milvus mq.type");
  }
  return absl::OkStatus();
}

absl::Status ParseMq(base::YamlSection s, MqSection* mq) {
  MQSIM_RETURN_IF_ERROR(ParseMqType(s, &mq->type));
  MQSIM_RETURN_IF_ERROR(s.Get("enablePursuitMode", &mq->enable_pursuit_mode));
  MQSIM_RETURN_IF_ERROR(s.Get("pursuitLag", &mq->pursuit_lag));
  MQSIM_RETURN_IF_ERROR(s.Get("pursuitBufferSize", &mq->pursuit_buffer_size));
  MQSIM_RETURN_IF_ERROR(s.Get("pursuitBufferTime", &mq->pursuit_buffer_time_s));
  MQSIM_RETURN_IF_ERROR(s.Get("mqBufSize", &mq->mq_buf_size));
  MQSIM_RETURN_IF_ERROR(s.Get("receiveBufSize", &mq->receive_buf_size));
  MQSIM_RETURN_IF_ERROR(s.Get("ignoreBadPosition", &mq->ignore_bad_position));
  absl::StatusOr<base::YamlSection> d = s.Child("dispatcher");
  if (!d.ok()) return d.status();
  MQSIM_RETURN_IF_ERROR(d->Get("mergeCheckInterval", &mq->dispatcher_merge_check_interval_s));
  MQSIM_RETURN_IF_ERROR(d->Get("targetBufSize", &mq->dispatcher_target_buf_size));
  MQSIM_RETURN_IF_ERROR(d->Get("maxTolerantLag", &mq->dispatcher_max_tolerant_lag));
  MQSIM_RETURN_IF_ERROR(
      d->Get("maxPositionGapInMinutes", &mq->dispatcher_max_position_gap_minutes));
  MQSIM_RETURN_IF_ERROR(d->CheckNoUnknownKeys());
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
  (void)s.Raw("webaddress");             // derived by Milvus from address and webport
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

// kafka.brokerList: "host:port,host:port", or a YAML list Milvus joins with commas.
absl::Status GetBrokerList(base::YamlSection& s, std::string* out) {
  const YAML::Node v = s.Raw("brokerList");
  if (v.IsSequence()) {
    out->clear();
    for (const YAML::Node& b : v) {
      if (!b.IsScalar()) return s.Error("brokerList", "expected host:port entries");
      *out += (out->empty() ? "" : ",") + b.Scalar();
    }
  } else {
    MQSIM_RETURN_IF_ERROR(s.Get("brokerList", out));
  }
  size_t start = 0;
  while (!out->empty() && start <= out->size()) {
    size_t end = out->find(',', start);
    if (end == std::string::npos) end = out->size();
    const std::string broker = out->substr(start, end - start);
    const size_t colon = broker.rfind(':');
    if (broker.find_first_not_of(' ') == std::string::npos || colon == std::string::npos ||
        colon + 1 == broker.size() ||
        broker.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
      return s.Error("brokerList",
                     "\"" + broker + "\" is not host:port (the list is comma-separated)");
    }
    start = end + 1;
  }
  return absl::OkStatus();
}

absl::Status ParseKafka(base::YamlSection s, KafkaConfig* k) {
  MQSIM_RETURN_IF_ERROR(GetBrokerList(s, &k->broker_list));
  (void)s.Raw("queuedmaxkbytes");  // the client's queue size: no effect in the simulation
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
  if (k->sasl_username.empty() != k->sasl_password.empty()) {
    return s.Error(k->sasl_username.empty() ? "saslPassword" : "saslUsername",
                   "Milvus refuses to start unless kafka.saslUsername and kafka.saslPassword are "
                   "set together");
  }
  if (!k->sasl_mechanisms.empty() && k->sasl_username.empty()) {
    return s.Error("saslMechanisms",
                   "SASL without kafka.saslUsername and kafka.saslPassword: Milvus would connect "
                   "without credentials and fail to authenticate");
  }
  if (k->read_timeout_s <= 0) return s.Error("readTimeout", "must be positive (seconds)");
  return s.CheckNoUnknownKeys();
}

// The sections of a milvus.yaml (Milvus 2.3 to 2.6) that do not concern the message store.
const std::vector<std::string>& OtherSections() {
  static const std::vector<std::string> k = {
      "etcd",        "metastore",     "tikv",           "localStorage",
      "minio",       "mysql",         "woodpecker",     "mixCoord",
      "rootCoord",   "proxy",         "queryCoord",     "queryNode",
      "indexCoord",  "indexNode",     "dataCoord",      "dataNode",
      "msgChannel",  "log",           "grpc",           "tls",
      "internaltls", "common",        "quotaAndLimits", "trace",
      "gpu",         "streamingNode", "streaming",      "knowhere",
      "credential",  "function",      "autoIndex",      "scalarAutoIndex",
      "holmes",      "cipherPlugin",  "builtinRoles",   "profile",
      "integration"};
  return k;
}

// msgChannel.chanNamePrefix.NAME, or common.chanNamePrefix.NAME where msgChannel's is
// absent or at its default (Milvus's fallback rule).
absl::Status GetChannelPrefix(base::YamlSection& top, std::string_view name, std::string* out) {
  const std::string fallback = *out;
  for (const char* section : {"common", "msgChannel"}) {
    absl::StatusOr<base::YamlSection> sec = top.Child(section);
    if (!sec.ok()) return sec.status();
    absl::StatusOr<base::YamlSection> prefixes = sec->Child("chanNamePrefix");
    if (!prefixes.ok()) return prefixes.status();
    std::string value = fallback;
    MQSIM_RETURN_IF_ERROR(prefixes->Get(name, &value));
    if (value.empty()) return prefixes->Error(name, "empty: Milvus refuses to start");
    if (value != fallback) *out = value;  // msgChannel's, read last, wins unless at default
  }
  return absl::OkStatus();
}

absl::Status ParseChannels(base::YamlSection& top, ChannelNames* c) {
  MQSIM_RETURN_IF_ERROR(GetChannelPrefix(top, "cluster", &c->cluster));
  MQSIM_RETURN_IF_ERROR(GetChannelPrefix(top, "rootCoordDml", &c->root_coord_dml));
  if (c->DmlPrefix().find("-partition-") != std::string::npos) {
    return top.SectionError(
        "msgChannel.chanNamePrefix: channel names containing \"-partition-\" "
        "make Milvus refuse to start");
  }
  absl::StatusOr<base::YamlSection> root_coord = top.Child("rootCoord");
  if (!root_coord.ok()) return root_coord.status();
  if (root_coord->Has("dmlChannelNum")) {
    int n = 16;
    MQSIM_RETURN_IF_ERROR(root_coord->Get("dmlChannelNum", &n));
    if (n < 1) return root_coord->Error("dmlChannelNum", "must be at least 1");
    c->dml_channel_num = n;
  }
  return absl::OkStatus();
}

// The sections this parser reads in full (msgChannel holds only channel names).
const std::vector<std::string>& ReadSections() {
  static const std::vector<std::string> k = {"mq",     "rocksmq", "natsmq",
                                             "pulsar", "kafka",   "msgChannel"};
  return k;
}

bool Contains(const std::vector<std::string>& names, const std::string& key) {
  const std::string canonical = base::MilvusCanonicalKey(key);
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) {
    return base::MilvusCanonicalKey(n) == canonical;
  });
}

// Every other top-level key: known ones are ignored, one close to a message-store section
// is a typo. Keys compare as Milvus compares them ("RocksMQ" is rocksmq).
absl::Status ListIgnored(const YAML::Node& root, base::YamlSection& top,
                         std::vector<std::string>* ignored) {
  if (!root || !root.IsMap()) return absl::OkStatus();
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    if (Contains(ReadSections(), key)) continue;
    const std::string hint = base::DidYouMean(key, ReadSections());
    if (!Contains(OtherSections(), key) && !hint.empty() && key.size() > 3) {
      return top.Error(key, "not a section Milvus reads" + hint);
    }
    // Two sections give the message path one key each; the rest of them is ignored.
    const std::string canonical = base::MilvusCanonicalKey(key);
    if (canonical == base::MilvusCanonicalKey("rootCoord")) {
      ignored->push_back(key + " (all but dmlChannelNum)");
    } else if (canonical == base::MilvusCanonicalKey("common")) {
      ignored->push_back(key + " (all but chanNamePrefix)");
    } else {
      ignored->push_back(key);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MilvusMqConfig> ParseMilvusMqConfig(const YAML::Node& root,
                                                   const std::string& file) {
  if (root && !root.IsNull() && !root.IsMap()) {
    return absl::InvalidArgumentError(file + ": expected a mapping of milvus.yaml sections");
  }
  MilvusMqConfig c;
  base::YamlSection top(root ? root : YAML::Node(), file, "", base::YamlReading::kMilvus);
  auto section = [&](const char* key) -> absl::StatusOr<base::YamlSection> {
    return top.Child(key);
  };
  absl::StatusOr<base::YamlSection> mq = section("mq");
  if (!mq.ok()) return mq.status();
  MQSIM_RETURN_IF_ERROR(ParseMq(*mq, &c.mq));
  absl::StatusOr<base::YamlSection> rs = section("rocksmq");
  if (!rs.ok()) return rs.status();
  absl::StatusOr<rocksmq::RocksMqOptions> r = rocksmq::ParseRocksMqConfig(*rs);
  if (!r.ok()) return r.status();
  c.rocksmq = *r;
  absl::StatusOr<base::YamlSection> ns = section("natsmq");
  if (!ns.ok()) return ns.status();
  absl::StatusOr<natsmq::NatsMqOptions> n = natsmq::ParseNatsMqConfig(*ns);
  if (!n.ok()) return n.status();
  c.natsmq = *n;
  absl::StatusOr<base::YamlSection> ps = section("pulsar");
  if (!ps.ok()) return ps.status();
  MQSIM_RETURN_IF_ERROR(ParsePulsar(*ps, &c.pulsar));
  absl::StatusOr<base::YamlSection> ks = section("kafka");
  if (!ks.ok()) return ks.status();
  MQSIM_RETURN_IF_ERROR(ParseKafka(*ks, &c.kafka));
  MQSIM_RETURN_IF_ERROR(ParseChannels(top, &c.channels));
  MQSIM_RETURN_IF_ERROR(ListIgnored(root, top, &c.ignored_sections));
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

namespace {

std::string Quoted(const std::string& v) {
  std::string out = "\"";
  for (char c : v) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

std::string Num(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

std::string Opt(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : ""; }

std::string MqAndPulsarYaml(const MilvusMqConfig& c) {
  const MqSection& m = c.mq;
  const PulsarConfig& p = c.pulsar;
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  return "mq:\n  type: " + m.type + "\n  enablePursuitMode: " + b(m.enable_pursuit_mode) +
         "\n  pursuitLag: " + std::to_string(m.pursuit_lag) +
         "\n  pursuitBufferSize: " + std::to_string(m.pursuit_buffer_size) +
         "\n  pursuitBufferTime: " + std::to_string(m.pursuit_buffer_time_s) +
         "\n  mqBufSize: " + std::to_string(m.mq_buf_size) +
         "\n  receiveBufSize: " + std::to_string(m.receive_buf_size) +
         "\n  ignoreBadPosition: " + b(m.ignore_bad_position) +
         "\n  dispatcher:\n    mergeCheckInterval: " + Num(m.dispatcher_merge_check_interval_s) +
         "\n    targetBufSize: " + std::to_string(m.dispatcher_target_buf_size) +
         "\n    maxTolerantLag: " + std::to_string(m.dispatcher_max_tolerant_lag) +
         "\n    maxPositionGapInMinutes: " + std::to_string(m.dispatcher_max_position_gap_minutes) +
         "\npulsar:\n  address: " + Quoted(p.address) + "\n  port: " + std::to_string(p.port) +
         "\n  webport: " + std::to_string(p.webport) +
         "\n  maxMessageSize: " + std::to_string(p.max_message_size) +
         "\n  tenant: " + Quoted(p.tenant) + "\n  namespace: " + Quoted(p.namespace_) +
         "\n  requestTimeout: " + std::to_string(p.request_timeout_s) +
         "\n  enableClientMetrics: " + b(p.enable_client_metrics) +
         "\n  authPlugin: " + Quoted(p.auth_plugin) +
         "\n  authParams: " + Quoted(p.auth_params.ToString()) + "\n";
}

std::string KafkaYaml(const KafkaConfig& k) {
  std::string out = "kafka:\n  brokerList: " + Quoted(k.broker_list) +
                    "\n  saslUsername: " + Quoted(k.sasl_username.ToString()) +
                    "\n  saslPassword: " + Quoted(k.sasl_password.ToString()) +
                    "\n  saslMechanisms: " + Quoted(k.sasl_mechanisms) +
                    "\n  securityProtocol: " + Quoted(k.security_protocol) +
                    "\n  readTimeout: " + std::to_string(k.read_timeout_s) +
                    "\n  ssl:\n    enabled: " + (k.ssl_enabled ? "true" : "false") +
                    "\n    tlsCert: " + Quoted(k.tls_cert) + "\n    tlsKey: " + Quoted(k.tls_key) +
                    "\n    tlsCaCert: " + Quoted(k.tls_ca_cert) +
                    "\n    tlsKeyPassword: " + Quoted(k.tls_key_password.ToString()) + "\n";
  for (const auto& [name, settings] :
       {std::pair{"producer", &k.producer}, {"consumer", &k.consumer}}) {
    out += std::string("  ") + name + ":" + (settings->empty() ? " {}" : "") + "\n";
    for (const auto& [key, value] : *settings) out += "    " + key + ": " + Quoted(value) + "\n";
  }
  return out;
}

std::string StoresYaml(const MilvusMqConfig& c) {
  const rocksmq::RocksMqOptions& r = c.rocksmq;
  const natsmq::NatsMqOptions& n = c.natsmq;
  std::string types;
  for (int t : r.compression_types) types += (types.empty() ? "" : ",") + std::to_string(t);
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  return "rocksmq:\n  path: " + Quoted(r.path) + "\n  lrucacheratio: " + Num(r.lru_cache_ratio) +
         "\n  rocksmqPageSize: " + std::to_string(r.page_size_bytes) +
         "\n  retentionTimeInMinutes: " + Num(r.retention_time_minutes) +
         "\n  retentionSizeInMB: " + std::to_string(r.retention_size_mb) +
         "\n  compactionInterval: " + std::to_string(r.compaction_interval_s) +
         "\n  timtickerInterval: " + std::to_string(r.ticker_interval_s) +
         "\n  compressionTypes: " + Quoted(types) + "\n  produceSync: " + b(r.produce_sync) +
         "  # mqsim's own\nnatsmq:\n  syncInterval: " +
         (n.sync_always ? std::string("always") : std::to_string(n.sync_interval_ms) + "ms") +
         "  # mqsim's own\n  server:\n    port: " + std::to_string(n.port) +
         "\n    storeDir: " + Quoted(n.store_dir) +
         "\n    maxFileStore: " + std::to_string(n.max_file_store_bytes) +
         "\n    maxPayload: " + std::to_string(n.max_payload_bytes) +
         "\n    maxPending: " + std::to_string(n.max_pending_bytes) +
         "\n    initializeTimeout: " + std::to_string(n.initialize_timeout_ms) +
         "\n    monitor:\n      trace: " + b(n.monitor_trace) +
         "\n      debug: " + b(n.monitor_debug) + "\n      logTime: " + b(n.monitor_log_time) +
         "\n      logFile: " + Quoted(n.monitor_log_file) +
         "\n      logSizeLimit: " + std::to_string(n.monitor_log_size_limit) +
         "\n    retention:\n      maxAge: " + Opt(n.retention_max_age_minutes) +
         "\n      maxBytes: " + Opt(n.retention_max_bytes) +
         "\n      maxMsgs: " + Opt(n.retention_max_msgs) + "\n";
}

}  // namespace

std::string ToMilvusYaml(const MilvusMqConfig& c) {
  std::string out = MqAndPulsarYaml(c) + KafkaYaml(c.kafka) + StoresYaml(c);
  out += "msgChannel:\n  chanNamePrefix:\n    cluster: " + Quoted(c.channels.cluster) +
         "\n    rootCoordDml: " + Quoted(c.channels.root_coord_dml) + "\n";
  if (c.channels.dml_channel_num) {
    out += "rootCoord:\n  dmlChannelNum: " + std::to_string(*c.channels.dml_channel_num) + "\n";
  }
  return out;
}

}  // namespace mqsim::backends
