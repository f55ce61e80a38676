// DeploymentConfig: the message store's configuration of a scenario, resolved from the
// files a Milvus deployment really has, in the order Milvus and the helm chart apply them
// (a later layer wins key by key, keys compared as Milvus compares them):
//
//   1. Milvus's built-in defaults;
//   2. milvus_yaml: FILE      the user's complete milvus.yaml;
//   3. helm_values: FILE      what the chart renders from the values (scenarios/helm_chart.h),
//                             after the scenario's helm_set: [KEY=VALUE, ...] and the command
//                             line's --set (applied as `helm --set` does, in that order);
//   4. the values' extraConfigFiles user.yaml;
//   5. config:                the scenario's own milvus.yaml fragment.
//
// Each file is judged alone first, so a mistake in it is reported at its own file and line
// (a user.yaml error at its line in the values file). The chart's cluster.enabled gives the
// deployment mode unless the scenario says `mode:` (a contradiction is an error).
#pragma once

#include <absl/status/statusor.h>
#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "backends/mq_config.h"
#include "base/yaml_config.h"

namespace mqsim::scenarios {

// Reads a file a scenario refers to (helm_values, milvus_yaml): from disk, or from the
// embedded set.
using FileReader = std::function<absl::StatusOr<std::string>(const std::string& path)>;

struct DeploymentConfig {
  backends::MilvusMqConfig config;
  std::optional<backends::DeployMode> mode;  // from cluster.enabled, when helm values are given
  // What applied, lowest first: "milvus.yaml /etc/milvus.yaml", "helm chart values.yaml:
  // cluster.enabled false, standalone.messageQueue natsmq: mq.type natsmq", ...
  std::vector<std::string> layers;
  std::vector<std::string> notes;  // the chart's deployed-but-unused queues
};

// Reads the configuration keys of a scenario (milvus_yaml, helm_values, helm_set, config),
// with relative paths resolved against base_dir; cli_set are the command line's --set.
absl::StatusOr<DeploymentConfig> ResolveDeploymentConfig(base::YamlSection& scenario,
                                                         const std::string& base_dir,
                                                         const FileReader& read,
                                                         const std::vector<std::string>& cli_set);

// Later keys win; mappings merge key by key, keys compared as Milvus compares them. Nodes
// are shared, not copied, wherever possible: they keep their line numbers.
YAML::Node MergeMilvusYaml(const YAML::Node& base, const YAML::Node& over);

}  // namespace mqsim::scenarios
