#include "scenarios/milvus_spec.h"

#include <algorithm>
#include <string>

#include "base/status_macros.h"
#include "scenarios/scenario_fields.h"

namespace mqsim::scenarios {

using base::YamlSection;

namespace {

constexpr OperatorAction kActions[] = {OperatorAction::kFlushAll, OperatorAction::kStop,
                                       OperatorAction::kStart,    OperatorAction::kSwitch,
                                       OperatorAction::kRestart,  OperatorAction::kIngest,
                                       OperatorAction::kUpgrade};

// "1m" or "1m..2m".
absl::Status GetMoment(YamlSection& s, OperatorStep* out) {
  if (!s.Has("at")) return s.SectionError("every operator step needs `at`");
  std::string text;
  MQSIM_RETURN_IF_ERROR(s.Get("at", &text));
  const size_t dots = text.find("..");
  const std::optional<sim::Duration> lo = sim::Duration::Parse(text.substr(0, dots));
  const std::optional<sim::Duration> hi =
      dots == std::string::npos ? lo : sim::Duration::Parse(text.substr(dots + 2));
  if (!lo || !hi) {
    return s.Error("at", "expected a duration like 90s or a range like 1m..2m");
  }
  if (*lo < sim::Duration::Zero() || *hi < *lo) {
    return s.Error("at", "a range low..high needs 0 <= low <= high");
  }
  out->at = *lo;
  out->at_latest = *hi;
  return absl::OkStatus();
}

absl::Status ParseStep(YamlSection& s, sim::Duration duration, OperatorStep* out) {
  MQSIM_RETURN_IF_ERROR(GetMoment(s, out));
  if (out->at_latest >= duration) {
    return s.Error("at", out->at_latest.ToString() + " is not before the end of the run (" +
                             duration.ToString() + ")");
  }
  std::string what;
  MQSIM_RETURN_IF_ERROR(s.Get("do", &what));
  auto known = std::find_if(std::begin(kActions), std::end(kActions),
                            [&](OperatorAction a) { return Name(a) == what; });
  if (known == std::end(kActions)) {
    return s.Error(
        "do", "expected flush_all, stop, start, switch, restart, ingest or upgrade, not \"" + what +
                  "\"");
  }
  out->action = *known;
  MQSIM_RETURN_IF_ERROR(GetMqType(s, "to", &out->to));
  if (out->action == OperatorAction::kSwitch && !out->to) {
    return s.SectionError("a switch names the new mq.type: `to: natsmq`");
  }
  if (out->action != OperatorAction::kSwitch && out->to) {
    return s.Error("to", "only a switch has a new mq.type");
  }
  MQSIM_RETURN_IF_ERROR(s.Get("values", &out->values));
  if ((out->action == OperatorAction::kUpgrade) != s.Has("values")) {
    return out->action == OperatorAction::kUpgrade
               ? s.SectionError("an upgrade names its new values file: `values: v2.yaml`")
               : s.Error("values", "only an upgrade has a values file");
  }
  if (s.Has("values")) out->values_node = s.Raw("values");
  if (s.Has("set") && out->action != OperatorAction::kUpgrade) {
    return s.Error("set", "only an upgrade has helm --set values");
  }
  if (s.Has("set")) out->set_node = s.Raw("set");
  MQSIM_RETURN_IF_ERROR(s.Get("wait", &out->wait));
  if (out->action != OperatorAction::kFlushAll && s.Has("wait")) {
    return s.Error("wait", "only a flush_all is waited for");
  }
  return s.CheckNoUnknownKeys();
}

absl::Status ParseSteps(YamlSection& m, sim::Duration duration, MilvusSpec* out) {
  const YAML::Node list = m.Raw("operator");
  if (!list.IsSequence()) return m.Error("operator", "expected a list of steps {at, do}");
  for (size_t i = 0; i < list.size(); ++i) {
    YamlSection step(list[i], m.file(), m.path() + ".operator[" + std::to_string(i) + "]");
    OperatorStep parsed;
    MQSIM_RETURN_IF_ERROR(ParseStep(step, duration, &parsed));
    if (!out->steps.empty() && parsed.at < out->steps.back().at) {
      return step.Error("at", "steps are listed in time order");
    }
    out->steps.push_back(parsed);
  }
  return absl::OkStatus();
}

// flush_all_at, switch_to, switch_at.
absl::Status ParseShorthand(YamlSection& m, sim::Duration duration, MilvusSpec* out) {
  std::optional<sim::Duration> flush_at;
  std::optional<sim::Duration> switch_at;
  std::optional<backends::MqType> to;
  MQSIM_RETURN_IF_ERROR(GetOptionalDuration(m, "flush_all_at", &flush_at));
  MQSIM_RETURN_IF_ERROR(GetMqType(m, "switch_to", &to));
  MQSIM_RETURN_IF_ERROR(GetOptionalDuration(m, "switch_at", &switch_at));
  if (to.has_value() != switch_at.has_value()) {
    return m.SectionError("switch_to and switch_at go together");
  }
  if (switch_at && flush_at && *flush_at > *switch_at) {
    return m.Error("flush_all_at", "must not be after switch_at");
  }
  for (const auto& [key, at] : {std::pair{"flush_all_at", flush_at}, {"switch_at", switch_at}}) {
    if (at && *at >= duration) return m.Error(key, "is not before the end of the run");
  }
  if ((flush_at || switch_at) && m.Has("operator")) {
    return m.Error("operator", "give the steps either as `operator` or as flush_all_at/switch_at");
  }
  auto step = [&](OperatorAction action, sim::Duration at) {
    OperatorStep s;
    s.action = action;
    s.at = at;
    s.at_latest = at;
    return s;
  };
  if (flush_at) {
    out->steps.push_back(step(OperatorAction::kFlushAll, *flush_at));
    out->steps.back().wait = false;
  }
  if (switch_at) {
    out->steps.push_back(step(OperatorAction::kSwitch, *switch_at));
    out->steps.back().to = to;
    out->steps.push_back(step(OperatorAction::kIngest, *switch_at));
  }
  return absl::OkStatus();
}

// A stop leaves Milvus down until a later start, switch or restart.
absl::Status CheckStopsEnd(YamlSection& m, const MilvusSpec& spec) {
  bool down = false;
  for (const OperatorStep& s : spec.steps) {
    if (s.action == OperatorAction::kStop) down = true;
    if (s.action == OperatorAction::kStart || s.action == OperatorAction::kSwitch ||
        s.action == OperatorAction::kRestart || s.action == OperatorAction::kUpgrade) {
      down = false;
    }
  }
  if (down) {
    return m.Error("operator",
                   "the last stop is never followed by start, switch or restart (the run ends "
                   "with a FlushAll, which needs Milvus up)");
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view Name(OperatorAction a) {
  switch (a) {
    case OperatorAction::kFlushAll:
      return "flush_all";
    case OperatorAction::kStop:
      return "stop";
    case OperatorAction::kStart:
      return "start";
    case OperatorAction::kSwitch:
      return "switch";
    case OperatorAction::kRestart:
      return "restart";
    case OperatorAction::kIngest:
      return "ingest";
    case OperatorAction::kUpgrade:
      return "upgrade";
  }
  return "?";
}

bool MilvusSpec::Switches() const {
  return std::any_of(steps.begin(), steps.end(), [](const OperatorStep& s) {
    return s.action == OperatorAction::kSwitch || s.action == OperatorAction::kUpgrade;
  });
}

std::vector<sim::Duration> MilvusSpec::Moments(sim::Random& rng) const {
  std::vector<sim::Duration> out;
  for (const OperatorStep& s : steps) {
    sim::Duration t = s.at;
    if (s.at_latest > s.at) {
      t = sim::Duration::Nanos(rng.Uniform(s.at.nanos(), s.at_latest.nanos()));
    }
    if (!out.empty()) t = std::max(t, out.back());
    out.push_back(t);
  }
  return out;
}

absl::Status ParseMilvus(YamlSection& w, sim::Duration duration, MilvusSpec* out) {
  absl::StatusOr<YamlSection> m = w.Child("milvus");
  if (!m.ok()) return m.status();
  out->enabled = true;
  MQSIM_RETURN_IF_ERROR(GetPositiveDuration(*m, "flush_interval", &out->flush_interval));
  MQSIM_RETURN_IF_ERROR(ParseShorthand(*m, duration, out));
  if (m->Has("operator")) MQSIM_RETURN_IF_ERROR(ParseSteps(*m, duration, out));
  MQSIM_RETURN_IF_ERROR(CheckStopsEnd(*m, *out));
  return m->CheckNoUnknownKeys();
}

absl::Status ResolveUpgrades(const YAML::Node& root, const std::string& file,
                             const std::string& base_dir, const FileReader& read,
                             const std::vector<std::string>& cli_set, backends::DeployMode mode,
                             MilvusSpec* spec) {
  for (size_t i = 0; i < spec->steps.size(); ++i) {
    OperatorStep& step = spec->steps[i];
    if (step.action != OperatorAction::kUpgrade) continue;
    YAML::Node layers(YAML::NodeType::Map);
    for (const char* key : {"milvus_yaml", "config"}) {
      if (root[key]) layers[key] = root[key];
    }
    layers["helm_values"] = step.values_node;
    if (step.set_node.IsDefined()) layers["helm_set"] = step.set_node;
    YamlSection s(layers, file, "workload.milvus.operator[" + std::to_string(i) + "]");
    absl::StatusOr<DeploymentConfig> d = ResolveDeploymentConfig(s, base_dir, read, cli_set);
    if (!d.ok()) return d.status();
    if (d->mode && *d->mode != mode) {
      return s.Error("helm_values",
                     "the upgrade changes cluster.enabled; a scenario runs in one mode");
    }
    absl::StatusOr<backends::MqType> type = backends::SelectMqType(d->config, mode);
    if (!type.ok()) return s.Error("helm_values", std::string(type.status().message()));
    step.to = *type;
    step.config = d->config;
  }
  return absl::OkStatus();
}

}  // namespace mqsim::scenarios
