// A deployment's real files, verbatim and in variants: a complete milvus.yaml and a
// complete helm values.yaml in the chart's shape (scenarios/deploy/), layered as Milvus and
// the chart layer them.
#include "scenarios/deployment_config.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "scenarios/runner.h"
#include "scenarios/scenario.h"

namespace mqsim::scenarios {
namespace {

std::string Deploy(const std::string& name) {
  const char* src = std::getenv("TEST_SRCDIR");
  return std::string(src != nullptr ? src : ".") + "/mqsim/scenarios/deploy/" + name;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Files by name: the fixtures, and variants of them made by replacing one text.
struct Files {
  std::map<std::string, std::string> text{{"milvus.yaml", Slurp(Deploy("milvus.yaml"))},
                                          {"values.yaml", Slurp(Deploy("values.yaml"))}};
  Files& Edit(const std::string& file, const std::string& from, const std::string& to) {
    std::string& t = text.at(file);
    const size_t at = t.find(from);
    REQUIRE(at != std::string::npos);
    t.replace(at, from.size(), to);
    return *this;
  }
  FileReader Reader() const {
    return [this](const std::string& path) -> absl::StatusOr<std::string> {
      const auto it = text.find(path.substr(path.rfind('/') + 1));
      if (it == text.end()) return absl::NotFoundError(path + ": no such file");
      return it->second;
    };
  }
};

const std::string kBoth =
    "name: d\nduration: 1m\nmilvus_yaml: milvus.yaml\nhelm_values: values.yaml\n";

absl::StatusOr<Scenario> Parse(const Files& f, const std::string& scenario,
                               const std::vector<std::string>& cli_set = {}) {
  return ParseScenario(scenario, "s.yaml", "/deploy", f.Reader(), cli_set);
}

Scenario Ok(const Files& f, const std::string& scenario,
            const std::vector<std::string>& cli_set = {}) {
  absl::StatusOr<Scenario> sc = Parse(f, scenario, cli_set);
  INFO(sc.status().ToString());
  REQUIRE(sc.ok());
  return *sc;
}

std::string Error(const Files& f, const std::string& scenario,
                  const std::vector<std::string>& cli_set = {}) {
  absl::StatusOr<Scenario> sc = Parse(f, scenario, cli_set);
  REQUIRE_FALSE(sc.ok());
  return std::string(sc.status().message());
}

std::string Store(const Scenario& sc) {
  absl::StatusOr<backends::MqType> t = sc.StoreType();
  return t.ok() ? std::string(backends::ToString(*t)) : "error";
}

TEST_CASE("A complete milvus.yaml is accepted verbatim and read as Milvus reads it") {
  Files f;
  const Scenario sc = Ok(f, "name: d\nduration: 1m\nmilvus_yaml: milvus.yaml\n");
  CHECK(Store(sc) == "rocksmq");    // standalone, rocksmq.path set
  CHECK(sc.workload.topics == 16);  // rootCoord.dmlChannelNum
  CHECK(sc.config.natsmq.retention_max_age_minutes == 4320);
  CHECK(sc.config.rocksmq.compression_types == std::vector<int>{0, 0, 7, 7, 7});
  const std::vector<std::string>& ignored = sc.config.ignored_sections;
  for (const char* s : {"etcd", "minio", "proxy", "dataNode", "log", "quotaAndLimits"}) {
    CHECK(std::find(ignored.begin(), ignored.end(), s) != ignored.end());
  }
  // A typo inside a message-store section is still an error, with the nearest key.
  f.Edit("milvus.yaml", "      trace: false", "      trcae: false");
  CHECK(Error(f, kBoth).find("natsmq.server.monitor.trcae: unknown key (did you mean "
                             "\"trace\"?)") != std::string::npos);
}

TEST_CASE("An empty value is read as Milvus reads it; channel names come from msgChannel") {
  Files f;
  f.Edit("milvus.yaml", "retentionTimeInMinutes: 4320", "retentionTimeInMinutes:")
      .Edit("milvus.yaml", "cluster: by-dev", "cluster: prod");
  const Scenario sc = Ok(f, "name: d\nduration: 1m\nmilvus_yaml: milvus.yaml\n");
  CHECK(sc.config.rocksmq.retention_time_minutes == 0);
  CHECK(sc.config.channels.DmlPrefix() == "prod-rootcoord-dml_");
}

TEST_CASE("The chart's values verbatim: cluster mode on the bundled Pulsar v3") {
  Files f;
  const Scenario sc = Ok(f, kBoth);
  CHECK(sc.mode == backends::DeployMode::kCluster);
  CHECK(Store(sc) == "pulsar");
  CHECK(sc.config.pulsar.address == "milvus-pulsarv3-proxy");
  CHECK(sc.config.pulsar.max_message_size == 104857600);
}

TEST_CASE("standalone.messageQueue chooses the store, as the chart renders it") {
  Files f;
  const Scenario nats = Ok(f, kBoth, {"cluster.enabled=false", "standalone.messageQueue=natsmq"});
  CHECK(nats.mode == backends::DeployMode::kStandalone);
  CHECK(Store(nats) == "natsmq");
  REQUIRE(nats.config_notes.size() == 1);  // Pulsar v3 left on, as in the chart's defaults
  CHECK(nats.config_notes[0].find("pulsarv3.enabled") != std::string::npos);
  // The same through the scenario's own helm_set.
  CHECK(
      Store(Ok(f, kBoth + "helm_set: [cluster.enabled=false, standalone.messageQueue=natsmq]\n")) ==
      "natsmq");
  CHECK(Store(Ok(f, kBoth, {"cluster.enabled=false,pulsarv3.enabled=false"})) == "rocksmq");
}

TEST_CASE("Combinations the chart would deploy inconsistently are errors at the values' line") {
  Files f;
  // A second queue switched on in standalone mode.
  CHECK(Error(f, kBoth, {"cluster.enabled=false", "kafka.enabled=true"})
            .find("values.yaml:755: kafka.enabled: two message queues enabled") !=
        std::string::npos);
  // pulsar without any Pulsar enabled: the chart renders no mq.type, Milvus takes rocksmq.
  CHECK(Error(f, kBoth,
              {"cluster.enabled=false", "standalone.messageQueue=pulsar", "pulsarv3.enabled=false"})
            .find("standalone.messageQueue: pulsar without") != std::string::npos);
  // Cluster mode with no queue at all.
  CHECK(Error(f, kBoth, {"pulsarv3.enabled=false"}).find("cluster mode with no message queue") !=
        std::string::npos);
  // rocksmq in cluster mode, asked for in user.yaml: Milvus refuses it.
  f.Edit("values.yaml", "    # mq:\n    #   type: rocksmq", "    mq:\n      type: rocksmq");
  CHECK(Error(f, kBoth).find("rocksmq is only valid in standalone mode") != std::string::npos);
}

TEST_CASE("Layers apply in order: milvus.yaml < chart < user.yaml < config:") {
  Files f;
  f.Edit("milvus.yaml", "maxPayload: 8388608", "maxPayload: 1000")
      .Edit("values.yaml", "    # mq:\n    #   type: rocksmq",
            "    natsmq:\n      server: {maxPending: 2000}");
  const std::vector<std::string> standalone_nats = {"cluster.enabled=false",
                                                    "standalone.messageQueue=natsmq"};
  Scenario sc = Ok(f, kBoth, standalone_nats);
  CHECK(sc.config.natsmq.max_payload_bytes == 1000);  // milvus.yaml
  CHECK(sc.config.natsmq.max_pending_bytes == 2000);  // user.yaml
  CHECK(sc.config_layers.size() == 3);
  sc = Ok(f, kBoth + "config: {natsmq: {server: {maxPending: 3000}}, mq: {type: rocksmq}}\n",
          standalone_nats);
  CHECK(sc.config.natsmq.max_pending_bytes == 3000);  // the scenario's config: wins
  CHECK(Store(sc) == "rocksmq");
}

TEST_CASE("External Kafka with SASL: credentials never printed") {
  Files f;
  const Scenario sc =
      Ok(f, kBoth,
         {"pulsarv3.enabled=false", "externalKafka.enabled=true",
          "externalKafka.sasl.username=milvus", "externalKafka.sasl.password=hunter2"});
  CHECK(Store(sc) == "kafka");
  CHECK(sc.config.kafka.sasl_password.reveal() == "hunter2");
  for (const std::string& layer : sc.config_layers) {
    CHECK(layer.find("hunter2") == std::string::npos);
  }
  CHECK(backends::ToMilvusYaml(sc.config).find("hunter2") == std::string::npos);
}

TEST_CASE("A run on a deployment's files: same seed, same hash") {
  Files f;
  const Scenario sc = Ok(f,
                         "name: d\nduration: 20s\nmilvus_yaml: milvus.yaml\nhelm_values: "
                         "values.yaml\nworkload: {producers: {rate_per_s: 20}}\n"
                         "faults: {crash: {mean_interval: 5s}}\n",
                         {"cluster.enabled=false", "standalone.messageQueue=natsmq"});
  REQUIRE(Store(sc) == "natsmq");
  const RunResult a = RunScenario(sc, RunOptions{7, nullptr, 0});
  const RunResult b = RunScenario(sc, RunOptions{7, nullptr, 0});
  INFO(a.detail);
  CHECK(a.pass);
  CHECK(a.acked > 0);
  CHECK(a.hash == b.hash);
  CHECK(a.steps == b.steps);
  CHECK(RunScenario(sc, RunOptions{8, nullptr, 0}).hash != a.hash);
}

}  // namespace
}  // namespace mqsim::scenarios
