// Scenario files: the stock set loads; every mistake is reported with file, line and key
// and what was expected; swarm plans are per seed and reproducible.
#include "scenarios/scenario.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "scenarios/workload_mix.h"

namespace mqsim::scenarios {
namespace {

std::string Error(const std::string& yaml) {
  absl::StatusOr<Scenario> s = ParseScenario(yaml, "bad.yaml");
  REQUIRE_FALSE(s.ok());
  return std::string(s.status().message());
}

const std::string kHead = "name: x\nduration: 5m\nbackend: rocksmq\n";

TEST_CASE("Every stock scenario loads") {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("scenarios")) {
    if (entry.path().extension() != ".yaml") continue;
    absl::StatusOr<Scenario> s = LoadScenario(entry.path().string());
    INFO(entry.path().string() << ": " << s.status().ToString());
    CHECK(s.ok());
    ++n;
  }
  CHECK(n >= 10);
}

TEST_CASE("Scenario values and defaults") {
  absl::StatusOr<Scenario> s = ParseScenario(
      "name: t\nduration: 1h30m\nbackend: natsmq\n"
      "workload:\n  topics: 3\n  read_all_every: 10m\n  producers: {count: 2, rate_per_s: 5, "
      "batch: [1, 16], payload_bytes: 100, sync: true}\n"
      "  consumers: {groups: 2, batch: 8, seek_probability: 0.1}\n"
      "faults:\n  crash: {mean_interval: 40m}\n  disk: {capacity: 64MiB, latency_us: [20, 2000], "
      "torn_writes: false}\n"
      "  gc: {pause_ms: [1, 300], every: 30s}\n  starve: {task: retention, for: 20m, every: 2h}\n"
      "  fiu: {points: [\"rocksmq/*\"], probability: 0.01}\n  buggify: true\n"
      "checks: [ordering, durability]\n",
      "t.yaml");
  REQUIRE(s.ok());
  CHECK(s->duration == sim::Duration::Minutes(90));
  CHECK(*s->StoreType() == backends::MqType::kNatsMq);
  CHECK(s->workload.producers.batch.hi == 16);
  CHECK(s->workload.read_all_every == sim::Duration::Minutes(10));
  CHECK(s->workload.producers.payload_bytes.lo == 100);
  CHECK(s->faults.crash_interval == sim::Duration::Minutes(40));
  CHECK(s->faults.disk_capacity_bytes == 64ULL << 20);
  CHECK(s->faults.latency.sync.max == sim::Duration::Micros(2000));
  CHECK_FALSE(s->faults.torn_writes);
  CHECK(s->faults.starve_job == "rocksmq.retention");
  CHECK(s->faults.buggify);
  CHECK(s->Checks(properties::Property::kOrdering));
  CHECK_FALSE(s->Checks(properties::Property::kRetention));
}

TEST_CASE("Mistakes name the file, the line and the key") {
  CHECK(Error("name: x\nduration: soon\n") ==
        "bad.yaml:2: duration: expected a duration like 500ms, 30s, 10m or 6h");
  CHECK(Error(kHead + "backend: natsmq\n") ==
        "bad.yaml:4: backend: duplicate key (first at line 3)");
  CHECK(Error("name: x\nbackend: rabbitmq\n") ==
        "bad.yaml:2: backend: unknown backend \"rabbitmq\" (rocksmq, natsmq, model, pulsar or "
        "kafka)");
  CHECK(Error(kHead + "workload:\n  producers: {batch: [5, 2]}\n") ==
        "bad.yaml:5: workload.producers.batch: range [low, high] with low > high");
  CHECK(Error(kHead + "workload:\n  topic: 3\n") ==
        "bad.yaml:5: workload.topic: unknown key (did you mean \"topics\"?)");
  CHECK(Error(kHead + "workload:\n  read_all_every: 500ms\n") ==
        "bad.yaml:5: workload.read_all_every: must be at least 1s");
  CHECK(Error(kHead + "faults:\n  fiu: {points: [\"kafka/*\"]}\n") ==
        "bad.yaml:5: faults.fiu.points: \"kafka/*\" matches no fault point (see faults/FAULTS.md)");
  CHECK(Error(kHead + "faults:\n  starve: {task: lunch}\n") ==
        "bad.yaml:5: faults.starve.task: expected retention, compaction, expiry or sync");
  CHECK(Error(kHead + "checks: [ordering, vibes]\n")
            .starts_with("bad.yaml:4: checks: unknown check \"vibes\" (known: ordering,"));
  CHECK(Error(kHead + "config:\n  rocksmq:\n    rocksmqPageSize: big\n") ==
        "bad.yaml:6: rocksmq.rocksmqPageSize: expected an integer, got \"big\"");
  CHECK(Error(kHead + "workload:\n  milvus: {switch_to: natsmq}\n") ==
        "bad.yaml:5: workload.milvus: switch_to and switch_at go together");
  CHECK(Error("name: x\nmode: cluster\nconfig: {mq: {type: rocksmq}}\n") ==
        "bad.yaml:1: mq.type: rocksmq is only valid in standalone mode (cluster mode needs pulsar "
        "or kafka)");
  CHECK(Error("duration: 5m\n") == "bad.yaml:1: name: every scenario needs a name");
  CHECK(Error("name: [1\n").starts_with("bad.yaml:"));  // YAML syntax
}

TEST_CASE("Helm values: extraConfigFiles.user.yaml is the config, cluster.enabled the mode") {
  const auto dir = std::filesystem::temp_directory_path() / "mqsim-helm-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "values.yaml")
      << "cluster:\n  enabled: true\nextraConfigFiles:\n  user.yaml: |+\n"
         "    pulsar:\n      address: pulsar-proxy\n      maxMessageSize: 1024\n";
  std::ofstream(dir / "s.yaml") << "name: h\nhelm_values: values.yaml\n";
  absl::StatusOr<Scenario> s = LoadScenario((dir / "s.yaml").string());
  REQUIRE(s.ok());
  CHECK(s->mode == backends::DeployMode::kCluster);
  CHECK(*s->StoreType() == backends::MqType::kPulsar);
  CHECK(s->config.pulsar.max_message_size == 1024);
  std::ofstream(dir / "c.yaml") << "name: h\nmode: standalone\nhelm_values: values.yaml\n";
  absl::StatusOr<Scenario> c = LoadScenario((dir / "c.yaml").string());
  REQUIRE_FALSE(c.ok());
  CHECK(std::string(c.status().message())
            .ends_with("mode: contradicts cluster.enabled in the helm values"));
  std::ofstream(dir / "m.yaml") << "name: h\nhelm_values: missing.yaml\n";
  CHECK(std::string(LoadScenario((dir / "m.yaml").string()).status().message())
            .find("missing.yaml: no such file") != std::string::npos);
}

TEST_CASE("Swarm: each seed its own plan, the same seed the same plan") {
  absl::StatusOr<Scenario> s = ParseScenario(kHead + "swarm: true\n", "s.yaml");
  REQUIRE(s.ok());
  CHECK(s->PlanFor(1).ToString() == s->PlanFor(1).ToString());
  std::set<std::string> plans;
  for (uint64_t seed = 1; seed <= 20; ++seed) plans.insert(s->PlanFor(seed).ToString());
  CHECK(plans.size() > 10);
}

TEST_CASE("A backend list: each seed draws one store, the same seed the same store") {
  absl::StatusOr<Scenario> s =
      ParseScenario("name: x\nduration: 1m\nbackend: [rocksmq, natsmq]\n", "b.yaml");
  REQUIRE(s.ok());
  CHECK_FALSE(s->backend.has_value());
  CHECK(s->StoreNames() == "rocksmq|natsmq");
  std::map<backends::MqType, int> drawn;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const absl::StatusOr<backends::MqType> t = s->StoreTypeFor(seed);
    REQUIRE(t.ok());
    CHECK(*t == *s->StoreTypeFor(seed));
    ++drawn[*t];
  }
  CHECK(drawn[backends::MqType::kRocksMq] >= 10);
  CHECK(drawn[backends::MqType::kNatsMq] >= 10);

  const std::string head = "name: x\nduration: 1m\n";
  CHECK(Error(head + "backend: [rocksmq]\n").find("name two or more") != std::string::npos);
  CHECK(Error(head + "backend: [natsmq, natsmq]\n").find("natsmq is listed twice") !=
        std::string::npos);
  CHECK(Error(head + "backend: [rocksmq, nats]\n").find("got \"nats\"") != std::string::npos);
  CHECK(Error(head + "backend: [rocksmq, natsmq]\nconfig: {mq: {type: natsmq}}\n")
            .find("contradicts mq.type") != std::string::npos);
  // Checked against each listed store: the model keeps no files to audit.
  const std::string audits = "faults: {power_loss: {mean_interval: 1m, audit_every: 30s}}\n";
  CHECK(ParseScenario(head + "backend: [rocksmq, natsmq]\n" + audits, "b.yaml").ok());
  CHECK(Error(head + "backend: [rocksmq, model]\n" + audits).find("the store is model") !=
        std::string::npos);
}

TEST_CASE("Swarm workload: each seed its own operation mix, the same seed the same mix") {
  absl::StatusOr<Scenario> s = ParseScenario(kHead + "swarm_workload: true\n", "s.yaml");
  REQUIRE(s.ok());
  CHECK(WorkloadMixString(s->WorkloadFor(7)) == WorkloadMixString(s->WorkloadFor(7)));
  std::set<std::string> mixes;
  bool purges = false;
  bool pushes = false;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const WorkloadSpec w = s->WorkloadFor(seed);
    mixes.insert(WorkloadMixString(w));
    purges = purges || w.purge > 0;
    pushes = pushes || w.consumers.push_groups > 0;
    CHECK(w.topics == s->workload.topics);  // what the scenario says stays
    CHECK(w.producers.rate_per_s == s->workload.producers.rate_per_s);
  }
  CHECK(mixes.size() == 40);
  CHECK(purges);
  CHECK(pushes);
  // Without it, the workload is the scenario's.
  absl::StatusOr<Scenario> plain = ParseScenario(kHead, "p.yaml");
  REQUIRE(plain.ok());
  CHECK(plain->WorkloadFor(3).consumers.seek_probability ==
        plain->workload.consumers.seek_probability);
  // The Milvus data path has no mix to draw.
  absl::StatusOr<Scenario> milvus = ParseScenario(
      "name: m\nduration: 5m\nbackend: rocksmq\nworkload: {milvus: {}}\nswarm_workload: true\n",
      "m.yaml");
  REQUIRE_FALSE(milvus.ok());
  CHECK(std::string(milvus.status().message()).find("swarm_workload") != std::string::npos);
}

}  // namespace
}  // namespace mqsim::scenarios
