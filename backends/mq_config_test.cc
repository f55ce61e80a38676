// milvus.yaml message-store sections and mq.type selection, as Milvus resolves them.
#include "backends/mq_config.h"

#include <catch2/catch.hpp>

namespace mqsim::backends {
namespace {

MilvusMqConfig Parse(const std::string& yaml) {
  absl::StatusOr<MilvusMqConfig> c = ParseMilvusMqConfigText(yaml, "milvus.yaml");
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  return *c;
}

std::string Error(const std::string& yaml) {
  absl::StatusOr<MilvusMqConfig> c = ParseMilvusMqConfigText(yaml, "milvus.yaml");
  REQUIRE_FALSE(c.ok());
  return std::string(c.status().message());
}

std::string Selected(const std::string& yaml, DeployMode mode) {
  absl::StatusOr<MqType> t = SelectMqType(Parse(yaml), mode);
  return t.ok() ? std::string(ToString(*t)) : "error: " + std::string(t.status().message());
}

TEST_CASE("Defaults are Milvus's: standalone picks rocksmq, cluster picks pulsar") {
  const MilvusMqConfig c = Parse("");
  CHECK(c.mq.type == "default");
  CHECK_FALSE(c.mq.ignore_bad_position);
  CHECK(c.pulsar.address == "localhost");
  CHECK(c.pulsar.port == 6650);
  CHECK(c.pulsar.max_message_size == 2097152);
  CHECK(c.pulsar.tenant == "public");
  CHECK(c.kafka.broker_list.empty());
  CHECK(Selected("", DeployMode::kStandalone) == "rocksmq");
  CHECK(Selected("", DeployMode::kCluster) == "pulsar");
}

TEST_CASE("mq.type default: rocksmq if its path is set, else pulsar, else kafka, else error") {
  const std::string no_rocks = "rocksmq: {path: ''}\n";
  const std::string no_pulsar = "pulsar: {address: ''}\n";
  const std::string kafka = "kafka: {brokerList: 'k1:9092,k2:9092'}\n";
  CHECK(Selected(no_rocks, DeployMode::kStandalone) == "pulsar");
  CHECK(Selected(no_rocks + no_pulsar + kafka, DeployMode::kStandalone) == "kafka");
  CHECK(Selected(no_rocks + no_pulsar, DeployMode::kStandalone)
            .starts_with("error: mq.type default: no message queue"));
  CHECK(Selected(no_pulsar + kafka, DeployMode::kCluster) == "kafka");
  CHECK(Selected(no_pulsar, DeployMode::kCluster)
            .starts_with("error: mq.type default: no message queue is enabled for cluster"));
}

TEST_CASE("Explicit mq.type: checked, and rocksmq/natsmq only in standalone mode") {
  CHECK(Selected("mq: {type: natsmq}", DeployMode::kStandalone) == "natsmq");
  CHECK(Error("mq: {type: Pulsar}") ==
        "milvus.yaml:1: mq.type: Milvus compares it case-sensitively: write pulsar");
  CHECK(Error("mq:\n  type:\n").starts_with("milvus.yaml:2: mq.type: empty: Milvus refuses"));
  CHECK(Error("mq: {type: woodpecker}").find("not one of the stores mqsim runs") !=
        std::string::npos);
  CHECK(Selected("mq: {type: rocksmq}", DeployMode::kCluster) ==
        "error: mq.type: rocksmq is only valid in standalone mode (cluster mode needs pulsar or "
        "kafka)");
  CHECK(Selected("mq: {type: natsmq}", DeployMode::kCluster).find("only valid in standalone") !=
        std::string::npos);
  CHECK(Selected("mq: {type: kafka}", DeployMode::kCluster) ==
        "error: mq.type is kafka but kafka.brokerList is empty");
  CHECK(Error("mq:\n  type: rabbitmq\n") ==
        "milvus.yaml:2: mq.type: unknown message queue \"rabbitmq\" (expected default, rocksmq, "
        "natsmq, pulsar or kafka; Milvus compares it case-sensitively)");
}

TEST_CASE("Section errors name file, line and key") {
  CHECK(Error("pulsar:\n  address: p\n  port: 70000\n") ==
        "milvus.yaml:3: pulsar.port: must be a TCP port (1..65535)");
  CHECK(Error("pulsar:\n  maxMessageSize: big\n")
            .starts_with("milvus.yaml:2: pulsar.maxMessageSize: expected an integer"));
  CHECK(
      Error("kafka:\n  brokerList: k:9092\n  sasl: x\n").starts_with("milvus.yaml:3: kafka.sasl:"));
  CHECK(Error("kafka:\n  brokerList: k1:9092,k2\n") ==
        "milvus.yaml:2: kafka.brokerList: \"k2\" is not host:port (the list is comma-separated)");
  CHECK(Error("kafka:\n  ssl:\n    enabled: maybe\n")
            .starts_with("milvus.yaml:3: kafka.ssl.enabled:"));
  CHECK(Error("mq:\n  ignoreBadPosition: 3\n").starts_with("milvus.yaml:2: mq.ignoreBadPosition:"));
  CHECK(Error("rocksmq:\n  rocksmqPageSize: -1\n").find("rocksmq") != std::string::npos);
  CHECK(Error("kafka:\n  securityProtocol: TLS\n")
            .starts_with("milvus.yaml:2: kafka.securityProtocol: unknown protocol"));
}

TEST_CASE("Kafka and Pulsar settings, with credentials never printed") {
  const std::string yaml =
      "kafka:\n"
      "  brokerList: k1:9092\n"
      "  saslUsername: milvus-user\n"
      "  saslPassword: hunter2-secret\n"
      "  saslMechanisms: SCRAM-SHA-512\n"
      "  securityProtocol: SASL_SSL\n"
      "  producer: {message.max.bytes: 2097152, client.id: milvus}\n"
      "  ssl: {enabled: true, tlsKeyPassword: key-secret}\n"
      "pulsar:\n"
      "  address: ''\n"
      "  authPlugin: org.apache.pulsar.client.impl.auth.AuthenticationToken\n"
      "  authParams: token:pulsar-secret\n"
      "mq: {type: kafka, ignoreBadPosition: true}\n";
  const MilvusMqConfig c = Parse(yaml);
  CHECK(c.kafka.sasl_password.reveal() == "hunter2-secret");
  CHECK(c.kafka.max_message_size == 2097152);
  CHECK(c.kafka.producer.at("client.id") == "milvus");
  CHECK(c.kafka.ssl_enabled);
  CHECK(c.mq.ignore_bad_position);
  const std::string described = Describe(c, MqType::kKafka) + Describe(c, MqType::kPulsar);
  for (const char* secret : {"hunter2-secret", "milvus-user", "key-secret", "pulsar-secret"}) {
    CHECK(described.find(secret) == std::string::npos);
  }
  CHECK(described.find("password=<redacted>") != std::string::npos);
  // A malformed credential is reported by key only, its value never echoed.
  const std::string err = Error("kafka:\n  saslPassword: [hunter2-secret]\n");
  CHECK(err == "milvus.yaml:2: kafka.saslPassword: expected a string");
  CHECK(Error("kafka:\n  brokerList: k:9092\n  saslMechanisms: PLAIN\n")
            .starts_with("milvus.yaml:3: kafka.saslMechanisms: SASL without kafka.saslUsername"));
  CHECK(Error("kafka:\n  saslUsername: u\n")
            .starts_with("milvus.yaml:2: kafka.saslUsername: Milvus refuses to start unless"));
}

TEST_CASE("A whole milvus.yaml: other sections ignored, typos of sections caught, channels named") {
  const MilvusMqConfig c = Parse(
      "etcd: {endpoints: localhost:2379}\nproxy: {port: 19530}\nrootCoord: {dmlChannelNum: 4}\n"
      "msgChannel:\n  chanNamePrefix: {cluster: prod, rootCoordDml: rootcoord-dml}\n"
      "somethingNew: {x: 1}\nkafka: {brokerList: [k1:9092, k2:9093]}\n");
  CHECK(c.ignored_sections == std::vector<std::string>{"etcd", "proxy",
                                                       "rootCoord (all but dmlChannelNum)",
                                                       "somethingNew"});
  // Section names compare as Milvus compares keys.
  CHECK(Parse("RocksMQ: {rocksmqPageSize: 1024}\n").rocksmq.page_size_bytes == 1024);
  CHECK(Parse("RocksMQ: {}\n").ignored_sections.empty());
  CHECK(c.channels.DmlPrefix() == "prod-rootcoord-dml_");
  CHECK(c.channels.dml_channel_num == 4);
  CHECK(c.kafka.broker_list == "k1:9092,k2:9093");
  // The older common.chanNamePrefix counts where msgChannel's is absent or at its default.
  CHECK(Parse("common: {chanNamePrefix: {cluster: old}}\nmsgChannel: {chanNamePrefix: {cluster: "
              "by-dev}}\n")
            .channels.cluster == "old");
  CHECK(Error("rocksmg: {path: /x}\n") ==
        "milvus.yaml:1: rocksmg: not a section Milvus reads (did you mean \"rocksmq\"?)");
  CHECK(Error("rocksmq:\n  retentionTimeInMinuts: 5\n") ==
        "milvus.yaml:2: rocksmq.retentionTimeInMinuts: unknown key (did you mean "
        "\"retentionTimeInMinutes\"?)");
}

TEST_CASE("Values are read as Milvus reads them") {
  // Text or number, keys in any case and with or without '_'.
  const MilvusMqConfig c = Parse(
      "rocksmq: {RocksmqPageSize: '1048576', retention_size_in_mb: '-1'}\n"
      "pulsar: {maxMessageSize: \"1024\"}\n");
  CHECK(c.rocksmq.page_size_bytes == 1048576);
  CHECK(c.rocksmq.retention_size_mb == -1);
  CHECK(c.pulsar.max_message_size == 1024);
  // An empty value is present and reads as 0: retention time 0 expires acknowledged
  // messages at once (Milvus's reading, not "unset").
  CHECK(Parse("rocksmq:\n  retentionTimeInMinutes:\n").rocksmq.retention_time_minutes == 0);
  // compressionTypes as a list or as Milvus's comma-separated text.
  CHECK(Parse("rocksmq: {compressionTypes: [0, 7]}").rocksmq.compression_types ==
        std::vector<int>{0, 7});
  CHECK(Parse("rocksmq: {compressionTypes: '0,0,7'}").rocksmq.compression_types ==
        std::vector<int>{0, 0, 7});
}

TEST_CASE("The configuration in effect prints as a milvus.yaml fragment that reads back the same") {
  const MilvusMqConfig c = Parse(
      "rocksmq: {retentionSizeInMB: -1, compressionTypes: [0, 7]}\n"
      "natsmq: {server: {retention: {maxMsgs: 10}}, syncInterval: always}\n"
      "kafka: {brokerList: 'a:1,b:2', producer: {linger.ms: 5}}\nrootCoord: {dmlChannelNum: 3}\n");
  const std::string yaml = ToMilvusYaml(c);
  CHECK(ToMilvusYaml(Parse(yaml)) == yaml);
  CHECK(yaml.find("retentionSizeInMB: -1") != std::string::npos);
  CHECK(yaml.find("maxMsgs: 10") != std::string::npos);
}

}  // namespace
}  // namespace mqsim::backends
