#include "scenarios/deployment_config.h"

#include <cctype>

#include "base/status_macros.h"
#include "scenarios/helm_chart.h"

namespace mqsim::scenarios {

using base::YamlSection;

YAML::Node MergeMilvusYaml(const YAML::Node& base, const YAML::Node& over) {
  if (!base || base.IsNull()) return over;
  if (!over || over.IsNull()) return base;
  if (!base.IsMap() || !over.IsMap()) return over;
  YAML::Node out = YAML::Clone(base);
  for (const auto& kv : over) {
    std::string key = kv.first.Scalar();
    for (const auto& b : out) {
      if (base::MilvusCanonicalKey(b.first.Scalar()) == base::MilvusCanonicalKey(key)) {
        key = b.first.Scalar();  // the spelling already there
      }
    }
    const YAML::Node& before = out;  // const: a lookup must not insert
    out[key] = MergeMilvusYaml(before[key], kv.second);
  }
  return out;
}

namespace {

absl::StatusOr<YAML::Node> ReadYamlFile(const std::string& path, const FileReader& read) {
  absl::StatusOr<std::string> text = read(path);
  if (!text.ok()) return text.status();
  return base::ParseYaml(*text, path);
}

// A layer judged alone, so that its mistakes are reported in its own file.
absl::Status Judge(const YAML::Node& layer, const std::string& label) {
  return backends::ParseMilvusMqConfig(layer, label).status();
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  return path.starts_with("/") ? path : base_dir + "/" + path;
}

// An error "LABEL:N: ..." inside an embedded block scalar, re-addressed to its line in the
// file that holds the block ("PATH:N+offset (extraConfigFiles.user.yaml): ...").
absl::Status AtValuesLine(const absl::Status& error, const std::string& label,
                          const std::string& path, int offset) {
  const std::string msg(error.message());
  if (!msg.starts_with(label + ":")) return error;
  const size_t digits = label.size() + 1;
  size_t end = digits;
  while (end < msg.size() && std::isdigit(static_cast<unsigned char>(msg[end]))) ++end;
  if (end == digits) return error;
  const int line = std::stoi(msg.substr(digits, end - digits)) + offset;
  return absl::InvalidArgumentError(path + ":" + std::to_string(line) +
                                    " (extraConfigFiles.user.yaml)" + msg.substr(end));
}

// extraConfigFiles' user.yaml, a milvus.yaml layer of its own (null when absent).
absl::StatusOr<YAML::Node> UserYaml(const YAML::Node& values, const std::string& path) {
  YamlSection v(values, path, "");
  absl::StatusOr<YamlSection> extra = v.Child("extraConfigFiles");
  if (!extra.ok()) return extra.status();
  if (!extra->Has("user.yaml")) return YAML::Node();
  std::string user;
  MQSIM_RETURN_IF_ERROR(extra->Get("user.yaml", &user));
  const std::string label = path + " (extraConfigFiles.user.yaml)";
  absl::StatusOr<YAML::Node> parsed = base::ParseYaml(user, label);
  if (!parsed.ok()) return parsed.status();
  if (const absl::Status alone = Judge(*parsed, label); !alone.ok()) {
    return AtValuesLine(alone, label, path, extra->Raw("user.yaml").Mark().line + 1);
  }
  return *parsed;
}

// The values as helm would see them: the file, then helm_set, then --set.
absl::StatusOr<YAML::Node> HelmValues(YamlSection& s, const std::string& path,
                                      const FileReader& read,
                                      const std::vector<std::string>& cli_set) {
  YAML::Node values(YAML::NodeType::Map);
  if (s.Has("helm_values")) {
    absl::StatusOr<YAML::Node> file = ReadYamlFile(path, read);
    if (!file.ok()) return s.Error("helm_values", std::string(file.status().message()));
    values = *file;
  }
  const YAML::Node sets = s.Raw("helm_set");
  if (sets.IsDefined() && !sets.IsNull() && !sets.IsSequence()) {
    return s.Error("helm_set", "expected a list of KEY=VALUE, as for helm --set");
  }
  for (const YAML::Node& one : sets) {
    const absl::Status st = one.IsScalar() ? ApplyHelmSet(values, one.Scalar())
                                           : absl::InvalidArgumentError("expected KEY=VALUE");
    if (!st.ok()) return s.Error("helm_set", std::string(st.message()));
  }
  for (const std::string& one : cli_set) MQSIM_RETURN_IF_ERROR(ApplyHelmSet(values, one));
  return values;
}

// Layers 3 and 4: what the chart renders from the values, then user.yaml.
absl::Status HelmLayers(YamlSection& s, const std::string& base_dir, const FileReader& read,
                        const std::vector<std::string>& cli_set, YAML::Node* config,
                        DeploymentConfig* out) {
  if (!s.Has("helm_values") && !s.Has("helm_set") && cli_set.empty()) return absl::OkStatus();
  std::string file;
  MQSIM_RETURN_IF_ERROR(s.Get("helm_values", &file));
  const std::string path = file.empty() ? "(the chart's default values)" : Resolve(base_dir, file);
  absl::StatusOr<YAML::Node> values = HelmValues(s, path, read, cli_set);
  if (!values.ok()) return values.status();
  auto wrap = [&](const absl::Status& st) {
    return s.Has("helm_values") ? s.Error("helm_values", std::string(st.message())) : st;
  };
  absl::StatusOr<HelmRender> chart = RenderHelmChart(*values, path);
  if (!chart.ok()) return wrap(chart.status());
  const std::string rendered = path + " (as the chart renders it)";
  if (const absl::Status st = Judge(chart->rendered, rendered); !st.ok()) return wrap(st);
  *config = MergeMilvusYaml(*config, chart->rendered);
  out->mode = chart->cluster ? backends::DeployMode::kCluster : backends::DeployMode::kStandalone;
  std::string sets;
  for (const YAML::Node& one : s.Raw("helm_set")) sets += " " + RedactHelmSet(one.Scalar());
  for (const std::string& one : cli_set) sets += " " + RedactHelmSet(one);
  out->layers.push_back("helm chart, values " + path + (sets.empty() ? "" : " set" + sets) + ": " +
                        chart->choice);
  out->notes.insert(out->notes.end(), chart->notes.begin(), chart->notes.end());
  absl::StatusOr<YAML::Node> user = UserYaml(*values, path);
  if (!user.ok()) return wrap(user.status());
  if (user->IsDefined() && !user->IsNull()) {
    *config = MergeMilvusYaml(*config, *user);
    out->layers.push_back("extraConfigFiles user.yaml of " + path);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DeploymentConfig> ResolveDeploymentConfig(YamlSection& s,
                                                         const std::string& base_dir,
                                                         const FileReader& read,
                                                         const std::vector<std::string>& cli_set) {
  DeploymentConfig out;
  YAML::Node config;
  if (s.Has("milvus_yaml")) {
    std::string file;
    MQSIM_RETURN_IF_ERROR(s.Get("milvus_yaml", &file));
    const std::string path = Resolve(base_dir, file);
    absl::StatusOr<YAML::Node> doc = ReadYamlFile(path, read);
    if (!doc.ok()) return s.Error("milvus_yaml", std::string(doc.status().message()));
    if (const absl::Status st = Judge(*doc, path); !st.ok()) {
      return s.Error("milvus_yaml", std::string(st.message()));
    }
    config = *doc;
    out.layers.push_back("milvus.yaml " + path);
  }
  MQSIM_RETURN_IF_ERROR(HelmLayers(s, base_dir, read, cli_set, &config, &out));
  if (s.Has("config")) {
    const YAML::Node c = s.Raw("config");
    if (!c.IsNull() && !c.IsMap()) {
      return s.Error("config", "expected a milvus.yaml fragment (a mapping)");
    }
    config = MergeMilvusYaml(config, c);
    out.layers.push_back("config: of " + s.file());
  }
  absl::StatusOr<backends::MilvusMqConfig> parsed = backends::ParseMilvusMqConfig(config, s.file());
  if (!parsed.ok()) return parsed.status();
  out.config = *parsed;
  return out;
}

}  // namespace mqsim::scenarios
