#include "scenarios/helm_chart.h"

#include <algorithm>
#include <cctype>

#include "base/did_you_mean.h"
#include "base/status_macros.h"
#include "base/yaml_config.h"

namespace mqsim::scenarios {

namespace {

using base::YamlSection;

// A flag of the values: what it says, and whether the values file said it.
struct Flag {
  bool on = false;
  bool explicit_ = false;  // the values say it
  bool chart_default = false;
  std::string key;  // "pulsarv3.enabled"
  // Switched on by the values, not left on by the chart's default (a copy of the chart's
  // values.yaml says pulsarv3.enabled: true without anyone choosing it).
  bool Chosen() const { return on && explicit_ && !chart_default; }
};

absl::StatusOr<Flag> GetFlag(YamlSection& values, const std::string& section, bool chart_default) {
  absl::StatusOr<YamlSection> s = values.Child(section);
  if (!s.ok()) return s.status();
  Flag f{chart_default, s->Has("enabled"), chart_default, section + ".enabled"};
  MQSIM_RETURN_IF_ERROR(s->Get("enabled", &f.on));
  return f;
}

// Keys of a section the chart reads in full: a near miss of one is a typo helm would
// ignore silently.
absl::Status CheckTypos(YamlSection& values, const std::string& section,
                        const std::vector<std::string>& known) {
  absl::StatusOr<YamlSection> s = values.Child(section);
  if (!s.ok()) return s.status();
  const YAML::Node node = values.Raw(section);
  if (!node.IsMap()) return absl::OkStatus();
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    const std::string hint = base::DidYouMean(key, known);
    if (!hint.empty()) return s->Error(key, "not a value the chart reads" + hint);
  }
  return absl::OkStatus();
}

absl::Status CheckAllTypos(YamlSection& v) {
  MQSIM_RETURN_IF_ERROR(CheckTypos(v, "cluster", {"enabled"}));
  MQSIM_RETURN_IF_ERROR(CheckTypos(v, "standalone", {"messageQueue", "persistence", "replicas"}));
  MQSIM_RETURN_IF_ERROR(CheckTypos(v, "externalPulsar",
                                   {"enabled", "host", "port", "maxMessageSize", "tenant",
                                    "namespace", "authPlugin", "authParams"}));
  MQSIM_RETURN_IF_ERROR(
      CheckTypos(v, "externalKafka", {"enabled", "brokerList", "securityProtocol", "sasl"}));
  return absl::OkStatus();
}

// values[section][key...] as a node (undefined when absent).
YAML::Node At(const YAML::Node& values, std::initializer_list<const char*> path) {
  YAML::Node n = values;
  for (const char* k : path) {
    if (!n.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    YAML::Node next(YAML::NodeType::Undefined);
    for (const auto& kv : n) {
      if (kv.first.Scalar() == k) next.reset(kv.second);
    }
    n.reset(next);
  }
  return n;
}

// Copies values[from...] into out[key] when given (the node, with its line), else `fallback`.
void Copy(YAML::Node out, const char* key, const YAML::Node& values,
          std::initializer_list<const char*> from, const char* fallback) {
  const YAML::Node v = At(values, from);
  if (v.IsDefined() && !v.IsNull()) {
    out[key] = v;
  } else if (fallback != nullptr) {
    out[key] = fallback;
  }
}

struct Queues {
  Flag external_pulsar, pulsar, pulsarv3, external_kafka, kafka;
  const Flag* PulsarFamily() const {
    for (const Flag* f : {&external_pulsar, &pulsar, &pulsarv3}) {
      if (f->on) return f;
    }
    return nullptr;
  }
  const Flag* KafkaFamily() const {
    for (const Flag* f : {&external_kafka, &kafka}) {
      if (f->on) return f;
    }
    return nullptr;
  }
};

absl::StatusOr<Queues> ReadQueues(YamlSection& v) {
  Queues q;
  const std::pair<Flag*, std::pair<const char*, bool>> flags[] = {
      {&q.external_pulsar, {"externalPulsar", false}},
      {&q.pulsar, {"pulsar", false}},
      {&q.pulsarv3, {"pulsarv3", true}},
      {&q.external_kafka, {"externalKafka", false}},
      {&q.kafka, {"kafka", false}}};
  for (const auto& [flag, what] : flags) {
    absl::StatusOr<Flag> f = GetFlag(v, what.first, what.second);
    if (!f.ok()) return f.status();
    *flag = *f;
  }
  return q;
}

void RenderPulsar(const Queues& q, const YAML::Node& values, YAML::Node out) {
  YAML::Node p = out["pulsar"];
  if (q.external_pulsar.on) {
    Copy(p, "address", values, {"externalPulsar", "host"}, "localhost");
    Copy(p, "port", values, {"externalPulsar", "port"}, "6650");
    Copy(p, "maxMessageSize", values, {"externalPulsar", "maxMessageSize"}, "5242880");
    Copy(p, "tenant", values, {"externalPulsar", "tenant"}, "public");
    Copy(p, "namespace", values, {"externalPulsar", "namespace"}, "default");
    Copy(p, "authPlugin", values, {"externalPulsar", "authPlugin"}, nullptr);
    Copy(p, "authParams", values, {"externalPulsar", "authParams"}, nullptr);
  } else if (q.pulsar.on) {
    p["address"] = "milvus-pulsar-proxy";  // <release>-pulsar-proxy
    Copy(p, "port", values, {"pulsar", "proxy", "ports", "pulsar"}, "6650");
    Copy(p, "maxMessageSize", values, {"pulsar", "maxMessageSize"}, "5242880");
  } else {
    p["address"] = "milvus-pulsarv3-proxy";
    Copy(p, "port", values, {"pulsarv3", "proxy", "ports", "pulsar"}, "6650");
    Copy(p, "maxMessageSize", values, {"pulsarv3", "broker", "configData", "maxMessageSize"},
         "104857600");
  }
  out["mq"]["type"] = "pulsar";
}

void RenderKafka(const Queues& q, const YAML::Node& values, YAML::Node out) {
  YAML::Node k = out["kafka"];
  if (q.external_kafka.on) {
    Copy(k, "brokerList", values, {"externalKafka", "brokerList"}, "localhost:9092");
    Copy(k, "securityProtocol", values, {"externalKafka", "securityProtocol"}, "SASL_SSL");
    Copy(k, "saslMechanisms", values, {"externalKafka", "sasl", "mechanisms"}, "PLAIN");
    // The chart renders the credentials only when they are given.
    for (const auto& [from, to] :
         {std::pair{"username", "saslUsername"}, {"password", "saslPassword"}}) {
      const YAML::Node v = At(values, {"externalKafka", "sasl", from});
      if (v.IsScalar() && !v.Scalar().empty()) k[to] = v;
    }
  } else {
    const YAML::Node port = At(values, {"kafka", "service", "ports", "client"});
    k["brokerList"] = "milvus-kafka:" + (port.IsScalar() ? port.Scalar() : std::string("9092"));
  }
  out["mq"]["type"] = "kafka";
}

// The error or note when a queue is deployed beside the one Milvus uses.
absl::Status Unused(YamlSection& v, const Flag& unused, const std::string& used,
                    std::vector<std::string>* notes) {
  const std::string what =
      "the chart deploys the queue of " + unused.key + " beside " + used + ", which Milvus uses";
  if (!unused.Chosen()) {
    notes->push_back(what + " (" + unused.key +
                     " is true as in the chart's defaults; set it false)");
    return absl::OkStatus();
  }
  const size_t dot = unused.key.find('.');
  absl::StatusOr<YamlSection> s = v.Child(unused.key.substr(0, dot));
  if (!s.ok()) return s.status();
  return s->Error("enabled", "two message queues enabled: " + what + "; enable one");
}

}  // namespace

namespace {

// Within one family (externalPulsar, pulsar, pulsarv3 / externalKafka, kafka) the first
// enabled is rendered; the others are deployed unused.
absl::Status SameFamily(YamlSection& v, std::initializer_list<const Flag*> family,
                        std::vector<std::string>* notes) {
  const Flag* used = nullptr;
  for (const Flag* f : family) {
    if (!f->on) continue;
    if (used == nullptr) {
      used = f;
    } else {
      MQSIM_RETURN_IF_ERROR(Unused(v, *f, used->key, notes));
    }
  }
  return absl::OkStatus();
}

absl::Status ChooseStandalone(YamlSection& v, const Queues& q, YAML::Node out, HelmRender* r) {
  absl::StatusOr<YamlSection> st = v.Child("standalone");
  if (!st.ok()) return st.status();
  std::string mq = "rocksmq";
  MQSIM_RETURN_IF_ERROR(st->Get("messageQueue", &mq));
  const Flag* pulsar = q.PulsarFamily();
  const Flag* kafka = q.KafkaFamily();
  r->choice = "cluster.enabled false, standalone.messageQueue " + mq;
  if (mq == "rocksmq" || mq == "natsmq") {
    out["mq"]["type"] = mq;  // rendered last: it wins
    for (const Flag* f : {pulsar, kafka}) {
      if (f != nullptr)
        MQSIM_RETURN_IF_ERROR(Unused(v, *f, "standalone.messageQueue " + mq, &r->notes));
    }
    return absl::OkStatus();
  }
  if (mq == "pulsar" || mq == "kafka") {
    const Flag* chosen = mq == "pulsar" ? pulsar : kafka;
    if (chosen == nullptr) {
      return st->Error("messageQueue", mq + " without " +
                                           (mq == "pulsar" ? "pulsarv3, pulsar or externalPulsar"
                                                           : "kafka or externalKafka") +
                                           " enabled: the chart renders no mq.type and Milvus "
                                           "falls back to rocksmq");
    }
    if (mq == "pulsar" && kafka != nullptr) return Unused(v, *kafka, pulsar->key, &r->notes);
    if (mq == "kafka" && pulsar != nullptr) return Unused(v, *pulsar, kafka->key, &r->notes);
    return absl::OkStatus();
  }
  if (mq == "woodpecker") {
    return st->Error("messageQueue",
                     "woodpecker (chart 5, Milvus 2.6) is not one of the stores mqsim runs");
  }
  return st->Error("messageQueue",
                   "unknown queue \"" + mq + "\" (rocksmq, natsmq, pulsar or kafka)" +
                       base::DidYouMean(mq, {"rocksmq", "natsmq", "pulsar", "kafka"}));
}

absl::Status ChooseCluster(YamlSection& v, const Queues& q, HelmRender* r) {
  const Flag* pulsar = q.PulsarFamily();
  const Flag* kafka = q.KafkaFamily();
  if (pulsar == nullptr && kafka == nullptr) {
    absl::StatusOr<YamlSection> c = v.Child("cluster");
    if (!c.ok()) return c.status();
    return c->Error("enabled",
                    "cluster mode with no message queue enabled (pulsarv3, pulsar, "
                    "externalPulsar, kafka or externalKafka): the chart renders no mq.type and "
                    "Milvus looks for Pulsar at localhost:6650");
  }
  r->choice = "cluster.enabled true, " + (kafka != nullptr ? kafka->key : pulsar->key);
  if (pulsar != nullptr && kafka != nullptr) {
    return Unused(v, *pulsar, kafka->key + " (rendered last)", &r->notes);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<HelmRender> RenderHelmChart(const YAML::Node& values, const std::string& path) {
  if (values && !values.IsNull() && !values.IsMap()) {
    return absl::InvalidArgumentError(path + ": expected a mapping of helm values");
  }
  YamlSection v(values ? values : YAML::Node(), path, "");
  MQSIM_RETURN_IF_ERROR(CheckAllTypos(v));
  HelmRender r;
  absl::StatusOr<Flag> cluster = GetFlag(v, "cluster", true);
  if (!cluster.ok()) return cluster.status();
  r.cluster = cluster->on;
  absl::StatusOr<Queues> q = ReadQueues(v);
  if (!q.ok()) return q.status();
  r.rendered = YAML::Node(YAML::NodeType::Map);
  MQSIM_RETURN_IF_ERROR(SameFamily(v, {&q->external_pulsar, &q->pulsar, &q->pulsarv3}, &r.notes));
  MQSIM_RETURN_IF_ERROR(SameFamily(v, {&q->external_kafka, &q->kafka}, &r.notes));
  if (q->PulsarFamily() != nullptr) RenderPulsar(*q, values, r.rendered);
  if (q->KafkaFamily() != nullptr) RenderKafka(*q, values, r.rendered);
  if (r.cluster) {
    MQSIM_RETURN_IF_ERROR(ChooseCluster(v, *q, &r));
  } else {
    MQSIM_RETURN_IF_ERROR(ChooseStandalone(v, *q, r.rendered, &r));
  }
  if (r.rendered["mq"]["type"]) r.choice += ": mq.type " + r.rendered["mq"]["type"].Scalar();
  return r;
}

namespace {

// Splits on `sep` not preceded by a backslash, unescaping "\<sep>".
std::vector<std::string> SplitEscaped(std::string_view text, char sep) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == sep) {
      out.back() += sep;
      ++i;
    } else if (text[i] == sep) {
      out.emplace_back();
    } else {
      out.back() += text[i];
    }
  }
  return out;
}

absl::Status SetOne(YAML::Node& values, const std::string& assignment) {
  const size_t eq = assignment.find('=');
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError("--set " + assignment + ": " + why);
  };
  if (eq == std::string::npos || eq == 0) return bad("expected KEY=VALUE");
  if (assignment.find('[') < eq) return bad("list indexes (a[0]=...) are not supported");
  const std::vector<std::string> path = SplitEscaped(assignment.substr(0, eq), '.');
  const std::string value = assignment.substr(eq + 1);
  if (!values || !values.IsMap()) values = YAML::Node(YAML::NodeType::Map);
  YAML::Node node = values;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    if (path[i].empty()) return bad("empty key in \"" + assignment.substr(0, eq) + "\"");
    YAML::Node next = node[path[i]];
    if (next.IsDefined() && !next.IsNull() && !next.IsMap()) {
      return bad(path[i] + " is not a mapping in the values");
    }
    if (!next.IsMap()) node[path[i]] = YAML::Node(YAML::NodeType::Map);
    node.reset(node[path[i]]);
  }
  if (path.back().empty()) return bad("empty key");
  if (value == "null") {
    node.remove(path.back());
  } else {
    node[path.back()] = value;  // helm types it; mqsim's readers convert text on reading
  }
  return absl::OkStatus();
}

}  // namespace

std::string RedactHelmSet(std::string_view assignment) {
  std::string out;
  for (const std::string& one : SplitEscaped(assignment, ',')) {
    const size_t eq = one.find('=');
    std::string key = one.substr(0, eq);
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    bool secret = false;
    for (const char* word :
         {"password", "username", "secret", "token", "accesskey", "authparams"}) {
      secret = secret || key.find(word) != std::string::npos;
    }
    std::string shown = secret && eq != std::string::npos ? one.substr(0, eq) + "=<redacted>" : one;
    std::string escaped;
    for (char c : shown) escaped += c == ',' ? std::string("\\,") : std::string(1, c);
    out += (out.empty() ? "" : ",") + escaped;
  }
  return out;
}

absl::Status ApplyHelmSet(YAML::Node& values, std::string_view assignment) {
  for (const std::string& one : SplitEscaped(assignment, ',')) {
    MQSIM_RETURN_IF_ERROR(SetOne(values, one));
  }
  return absl::OkStatus();
}

}  // namespace mqsim::scenarios
