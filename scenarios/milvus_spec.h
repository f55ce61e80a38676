// MilvusSpec: the `workload.milvus` section of a scenario: Milvus's data path on the store,
// and the operator's procedure as a list of steps at scheduled or seeded times.
//
//   milvus:
//     flush_interval: 10s          # the data node's periodic flush
//     operator:                    # in time order, one after the other
//       - {at: 1m, do: flush_all}  # stop ingestion, FlushAll, wait until it completes
//       - {at: 1m10s..1m40s, do: stop}          # the seed draws the moment in the range
//       - {at: 2m, do: switch, to: natsmq}      # change mq.type and start Milvus again
//       - {at: 2m30s, do: flush_all}            # checkpoints on the new store
//       - {at: 3m, do: ingest}                  # the clients insert again
//       - {at: 4m, do: restart}                 # a clean stop and start
//       - {at: 5m, do: upgrade, values: v2.yaml, set: [K=V]}  # helm upgrade -f v2.yaml
//                                     # --set K=V: stop, render the configuration again, start
//
//   do: flush_all | stop | start | switch | restart | ingest | upgrade
//
// A step happens at its moment, or later when the step before it is still going on: the
// operator waits for a FlushAll to complete (as a script polling GetFlushAllState would)
// unless the step says `wait: false`. Ingestion stops with flush_all and comes back only
// with ingest.
//
// The older shorthand `flush_all_at: T1, switch_to: TYPE, switch_at: T2` reads as the steps
// flush_all at T1 (not waited for), switch at T2 (a switch of a running Milvus stops it
// first) and ingest at T2.
#pragma once

#include <absl/status/status.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/mq_config.h"
#include "backends/mq_type.h"
#include "base/yaml_config.h"
#include "scenarios/deployment_config.h"
#include "sim/random.h"
#include "sim/time.h"

namespace mqsim::scenarios {

enum class OperatorAction { kFlushAll, kStop, kStart, kSwitch, kRestart, kIngest, kUpgrade };

std::string_view Name(OperatorAction a);

struct OperatorStep {
  OperatorAction action = OperatorAction::kFlushAll;
  sim::Duration at;                    // from the start of the run; the earliest moment of a range
  sim::Duration at_latest;             // the latest moment (== at for a fixed time)
  std::optional<backends::MqType> to;  // the new mq.type of a switch or an upgrade
  bool wait = true;                    // flush_all: the next step waits for completion
  // An upgrade: the values file as written, its node (for messages), its own --set list
  // (`set: [K=V]`), and the configuration it renders to (ResolveUpgrades).
  std::string values;
  YAML::Node values_node;
  YAML::Node set_node;
  std::optional<backends::MilvusMqConfig> config;
};

struct MilvusSpec {
  bool enabled = false;
  sim::Duration flush_interval = sim::Duration::Seconds(10);
  std::vector<OperatorStep> steps;  // ordered by `at`

  bool Switches() const;
  // The step's moment for this run: `at`, or drawn from [at, at_latest] by rng. Drawn in
  // step order, so each step's moment depends only on the seed. Moments are not
  // decreasing: a step never happens before the one listed above it.
  std::vector<sim::Duration> Moments(sim::Random& rng) const;
};

// Reads workload.milvus from the workload section w; every step lies before `duration`.
// REQUIRES: w.Has("milvus").
absl::Status ParseMilvus(base::YamlSection& w, sim::Duration duration, MilvusSpec* out);

// Renders each upgrade step's configuration as helm upgrade would: its values file in place
// of helm_values and its `set` in place of helm_set, with the scenario's milvus_yaml,
// config: and the command line's --set as before; sets the step's `to` and `config`. The deployment
// mode must stay `mode`. root is the scenario's document, file its name, base_dir where relative
// paths start.
absl::Status ResolveUpgrades(const YAML::Node& root, const std::string& file,
                             const std::string& base_dir, const FileReader& read,
                             const std::vector<std::string>& cli_set, backends::DeployMode mode,
                             MilvusSpec* spec);

}  // namespace mqsim::scenarios
