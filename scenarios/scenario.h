// Scenario: one YAML file describing a run: the deployment's real configuration, a workload
// and a fault plan. The shape is a contract (keys may be added, never renamed):
//
//   name: retention-under-crash
//   duration: 6h               # simulated; units ms/s/m/h
//   backend: rocksmq           # rocksmq | natsmq | model | pulsar | kafka; omit: mq.type decides;
//                              # a list ([rocksmq, natsmq]): each seed draws one
//   mode: standalone           # or cluster (mq.type selection); omit: the chart's or standalone
//   milvus_yaml: milvus.yaml   # the deployment's complete milvus.yaml
//   helm_values: values.yaml   # the values given to `helm install -f`
//   helm_set: [KEY=VALUE]      # as `helm --set`, after helm_values
//   config: {mq: {...}, rocksmq: {...}, natsmq: {...}, pulsar: {...}, kafka: {...}}
//   workload: {topics, topic_churn, purge, delete, read_all_every,
//              producers: {count, rate_per_s, batch: [a, b], payload_bytes: [a, b], sync,
//                          aligned, one_call, idle: {every, for}},
//              consumers: {groups, batch, seek_probability, seek_beyond_latest, group_churn,
//                          stall: {every, for},
//                          push: {groups, buffer}},   # the last `groups` groups push
//              milvus: {flush_interval, operator: [{at, do, to}]}}  # scenarios/milvus_spec.h
//   faults: {crash: {mean_interval}, power_loss: {mean_interval, audit_every},
//            crash_in_call: {mean_interval},
//            disk: {capacity, latency_us: [a, b], torn_writes, full_every, full_for},
//            gc: {pause_ms: [a, b], every, gogc}, starve: {task, for, every},
//            fiu: {points: [...], probability}, buggify: true}
//   swarm: false               # true: each seed draws its own fault mix
//   swarm_workload: false      # true: each seed draws its own workload operation mix
//   checks: [ordering, durability, retention, seek, flush_before_switch]  # default: all
//
// The configuration keys resolve in Milvus's and the chart's order (deployment_config.h).
// Every error names the file, the line and the key, and says what was expected.
#pragma once

#include <absl/status/statusor.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "backends/mq_config.h"
#include "faults/fault_plan.h"
#include "properties/property.h"
#include "scenarios/deployment_config.h"
#include "scenarios/milvus_spec.h"
#include "sim/random.h"
#include "sim/time.h"

namespace mqsim::scenarios {

struct Range {
  int64_t lo = 0;
  int64_t hi = 0;
};

struct ProducerSpec {
  int count = 1;
  double rate_per_s = 10;
  Range batch{1, 1};
  Range payload_bytes{16, 1024};
  bool sync = false;  // produceSync / sync always
  // Per topic, the probability that all its payloads take one length whose stored size
  // divides the store's byte boundary (rocksmq's page size, natsmq's MaxBytes), so sums
  // land exactly on it (scenarios/aligned_payload.h).
  double aligned = 0;
  // The probability that a batch of two or more goes to the store in one call
  // (MessageQueue::ProduceMany) where the store takes batches (rocksmq); elsewhere, and
  // otherwise, one call per message.
  double one_call = 0;
  // Quiet periods: producers stop for idle_for, every ~idle_every (nights, paused ingest).
  sim::Duration idle_every;
  sim::Duration idle_for;
};

struct ConsumerSpec {
  int groups = 1;
  int batch = 16;
  double seek_probability = 0;
  // Of the seeks, the share aimed beyond the latest id (1 to 8 past it; natsmq: a consumer
  // starting by a sequence not yet written).
  double seek_beyond_latest = 0;
  // Per pulling group and tick, the probability that the group is destroyed on one topic and
  // created again, reading from the start (a data node dropping and re-making its
  // subscription). Push groups keep theirs.
  double group_churn = 0;
  // Lagging consumers: each group stops reading for stall_for, every ~stall_every.
  sim::Duration stall_every;
  sim::Duration stall_for;
  // The last push_groups groups read through push consumers (Milvus's msgstream consumers)
  // with a buffer of push_buffer messages; the others pull with Consume.
  int push_groups = 0;
  int push_buffer = 64;
};

struct WorkloadSpec {
  int topics = 1;
  // Per consumer tick, the probability that a topic is destroyed and created again (Milvus
  // drops a collection and reuses its channel).
  double topic_churn = 0;
  // Per consumer tick, the probabilities of the engine-specific calls (natsmq only; other
  // stores answer Unimplemented and nothing happens): purging a topic, deleting one
  // acknowledged message.
  double purge = 0;
  double delete_message = 0;
  // How often every topic is read back in full (with the store's page accounting) for the
  // durability, retention and resurrection checks; a last full read always ends the run.
  // Each read costs a retention window of messages: long soaks read less often.
  sim::Duration read_all_every = sim::Duration::Seconds(30);
  ProducerSpec producers;
  ConsumerSpec consumers;
  MilvusSpec milvus;
};

// The names of the checks a scenario may name (properties::CheckableProperties()).
const std::vector<std::string>& KnownChecks();

struct Scenario {
  std::string file;  // as given (for messages and repro lines)
  std::string name;
  sim::Duration duration = sim::Duration::Minutes(10);
  std::optional<backends::MqType> backend;
  // backend: [a, b, ...]: each seed draws one of these (StoreTypeFor); `backend` is unset.
  std::vector<backends::MqType> backend_draw;
  backends::DeployMode mode = backends::DeployMode::kStandalone;
  backends::MilvusMqConfig config;
  std::vector<std::string> config_layers;  // what the configuration came from, lowest first
  std::vector<std::string> config_notes;   // the chart's queues deployed but unused
  std::vector<std::string> cli_set;        // the command line's --set (REPRO repeats them)
  WorkloadSpec workload;
  faults::FaultPlan faults;
  bool swarm = false;
  // Each seed also draws its generic workload's operation mix (scenarios/workload_mix.h).
  bool swarm_workload = false;
  std::vector<std::string> checks;  // empty: all that apply
  // A scenario that demonstrates a failure (e.g. a switch without FlushAll) names the
  // property it must fail; sweeps count that failure as the expected outcome.
  std::string expect_failure;

  // The store this scenario runs on: backend, or mq.type selection over config and mode.
  // REQUIRES: backend_draw is empty (the store does not depend on the seed).
  absl::StatusOr<backends::MqType> StoreType() const;
  // The store one seed runs on: with backend_draw, drawn from the seed's "backend" stream;
  // otherwise StoreType().
  absl::StatusOr<backends::MqType> StoreTypeFor(uint64_t seed) const;
  // The stores the seeds can run on, as the scenario says them ("rocksmq|natsmq").
  std::string StoreNames() const;
  bool Checks(properties::Property property) const;
  // The fault plan of one seed (swarm: drawn from the seed).
  faults::FaultPlan PlanFor(uint64_t seed) const;
  // The workload of one seed (swarm_workload: its operation mix drawn from the seed).
  WorkloadSpec WorkloadFor(uint64_t seed) const;

  // Whether the store enforces retention in this configuration: rocksmq's time or size rule,
  // natsmq's MaxMsgs, MaxBytes or MaxAge.
  bool RocksMqRetentionOn(backends::MqType type) const;
  bool NatsLimitsOn(backends::MqType type) const;
  // Why `p` cannot be judged for this scenario on a store of `type` (a check that would pass
  // having checked nothing); empty when it can.
  std::string WhyNotApplicable(properties::Property p, backends::MqType type) const;
};

// A scenario, helm values or milvus.yaml file: regular files of at most kMaxInputBytes only
// (a device or a FIFO would be read forever).
inline constexpr uintmax_t kMaxInputBytes = 16 << 20;
absl::StatusOr<std::string> ReadFileFromDisk(const std::string& path);

// cli_set: the command line's --set KEY=VALUE, applied to the helm values after the
// scenario's own helm_set (scenarios/deployment_config.h).
absl::StatusOr<Scenario> ParseScenario(std::string_view yaml, const std::string& file,
                                       const std::string& base_dir = ".",
                                       const FileReader& read = ReadFileFromDisk,
                                       const std::vector<std::string>& cli_set = {});
absl::StatusOr<Scenario> LoadScenario(const std::string& path);

}  // namespace mqsim::scenarios
