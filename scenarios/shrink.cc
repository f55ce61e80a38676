#include "scenarios/shrink.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "base/assert.h"
#include "base/yaml_config.h"
#include "scenarios/supervisor.h"

namespace mqsim::scenarios {

namespace {

std::string DurationText(sim::Duration d) {
  const int64_t ms = d.millis();
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(std::max<int64_t>(ms, 1)) + "ms";
}

std::string Emit(const YAML::Node& root) {
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

// A candidate edit of the YAML tree; false if it does not apply.
struct Edit {
  std::string what;
  std::function<bool(YAML::Node&)> apply;
};

YAML::Node Get(YAML::Node root, std::initializer_list<const char*> path) {
  YAML::Node n = root;
  for (const char* k : path) {
    if (!n.IsMap() || !n[k]) return YAML::Node(YAML::NodeType::Undefined);
    n.reset(n[k]);  // rebind (operator= would overwrite the parent's content)
  }
  return n;
}

// Shorter runs: end just after the failure, halve the duration.
// "90s" -> "45s"; "1m..2m" -> "30s..1m" (an operator step's range); anything else as is.
std::string HalfMoment(const std::string& text) {
  const size_t dots = text.find("..");
  if (dots != std::string::npos) {
    return HalfMoment(text.substr(0, dots)) + ".." + HalfMoment(text.substr(dots + 2));
  }
  std::optional<sim::Duration> t = sim::Duration::Parse(text);
  return t ? DurationText(sim::Duration::Millis(t->millis() / 2)) : text;
}

// The Milvus operator's moments and the flush interval, halved with the run.
void HalveMilvusMoments(YAML::Node m) {
  if (!m || !m.IsMap()) return;
  for (const char* key : {"flush_all_at", "switch_at", "flush_interval"}) {
    if (m[key]) m[key] = HalfMoment(m[key].as<std::string>());
  }
  if (!m["operator"] || !m["operator"].IsSequence()) return;
  for (YAML::Node step : m["operator"]) {
    if (step.IsMap() && step["at"]) step["at"] = HalfMoment(step["at"].as<std::string>());
  }
}

void AddTimeEdits(const RunResult& failing, std::vector<Edit>& edits) {
  // The run is a prefix of itself: ending just after the failure was observed keeps it.
  if (failing.failed_at) {
    const sim::Duration cut = *failing.failed_at + sim::Duration::Seconds(5);
    edits.push_back({"end just after the failure", [cut](YAML::Node& r) {
                       std::optional<sim::Duration> d =
                           sim::Duration::Parse(r["duration"].as<std::string>("10m"));
                       if (!d || cut >= *d) return false;
                       r["duration"] =
                           DurationText(sim::Duration::Seconds(cut.millis() / 1000 + 1));
                       return !r["workload"]["milvus"];  // the operator's times would need care
                     }});
  }
  // Halves the run and every moment in it (the Milvus operator's flush and switch times).
  edits.push_back({"halve the duration", [](YAML::Node& r) {
                     std::optional<sim::Duration> d =
                         sim::Duration::Parse(r["duration"].as<std::string>("10m"));
                     if (!d || *d <= sim::Duration::Seconds(10)) return false;
                     r["duration"] = DurationText(sim::Duration::Millis(d->millis() / 2));
                     HalveMilvusMoments(r["workload"]["milvus"]);
                     return true;
                   }});
}

// Each fault kind dropped in turn.
void AddFaultEdits(const YAML::Node& root, std::vector<Edit>& edits) {
  if (YAML::Node f = Get(root, {"faults"}); f && f.IsMap()) {
    for (const auto& kv : f) {
      const std::string key = kv.first.as<std::string>();
      edits.push_back({"drop fault " + key, [key](YAML::Node& r) {
                         if (!r["faults"][key]) return false;
                         r["faults"].remove(key);
                         return true;
                       }});
    }
  }
}

// Fewer topics, producers, groups, less churn.
void AddCountEdits(std::vector<Edit>& edits) {
  auto int_down = [&](std::vector<std::string> path, int64_t floor, const std::string& what) {
    edits.push_back({what, [path, floor](YAML::Node& r) {
                       YAML::Node n = r;
                       for (size_t i = 0; i + 1 < path.size(); ++i) {
                         if (!n[path[i]]) return false;
                         n.reset(n[path[i]]);  // rebind, do not assign
                       }
                       const YAML::Node v = n[path.back()];
                       if (!v || !v.IsScalar()) return false;
                       const int64_t x = v.as<int64_t>();
                       if (x <= floor) return false;
                       n[path.back()] = std::max(floor, x / 2);
                       return true;
                     }});
  };
  int_down({"workload", "topics"}, 1, "halve the topics");
  int_down({"workload", "producers", "count"}, 1, "halve the producers");
  int_down({"workload", "consumers", "groups"}, 1, "halve the consumer groups");
  edits.push_back({"less topic churn", [](YAML::Node& r) {
                     YAML::Node w = r["workload"];
                     if (!w || !w["topic_churn"]) return false;
                     const double p = w["topic_churn"].as<double>();
                     if (p <= 0) return false;
                     w["topic_churn"] = p < 0.0005 ? 0.0 : p / 2;
                     return true;
                   }});
}

// Slower, smaller, fewer seeks.
void AddRateEdits(std::vector<Edit>& edits) {
  edits.push_back({"halve the produce rate", [](YAML::Node& r) {
                     YAML::Node p = r["workload"]["producers"];
                     if (!p || !p["rate_per_s"]) return false;
                     const double rate = p["rate_per_s"].as<double>();
                     if (rate <= 0.5) return false;
                     p["rate_per_s"] = rate / 2;
                     return true;
                   }});
  for (const char* key : {"batch", "payload_bytes"}) {
    edits.push_back({std::string("narrow ") + key, [key](YAML::Node& r) {
                       YAML::Node v = r["workload"]["producers"][key];
                       if (!v || !v.IsSequence() || v.size() != 2) return false;
                       const int64_t lo = v[0].as<int64_t>(), hi = v[1].as<int64_t>();
                       const int64_t mid = lo + (hi - lo) / 2;
                       if (mid == hi) return false;
                       YAML::Node next(YAML::NodeType::Sequence);
                       next.push_back(lo);
                       next.push_back(mid);
                       r["workload"]["producers"][key] = next;
                       return true;
                     }});
  }
  edits.push_back({"fewer seeks", [](YAML::Node& r) {
                     YAML::Node c = r["workload"]["consumers"];
                     if (!c || !c["seek_probability"]) return false;
                     const double p = c["seek_probability"].as<double>();
                     if (p <= 0.001) return false;
                     c["seek_probability"] = p < 0.01 ? 0.0 : p / 2;
                     return true;
                   }});
}

// Every candidate edit, in the order they are tried.
std::vector<Edit> Edits(const YAML::Node& root, const RunResult& failing) {
  std::vector<Edit> edits;
  AddTimeEdits(failing, edits);
  AddFaultEdits(root, edits);
  AddCountEdits(edits);
  AddRateEdits(edits);
  return edits;
}

}  // namespace

absl::StatusOr<std::string> MakeSelfContained(const std::string& yaml, const std::string& base_dir,
                                              const FileReader& read, const std::string& out_path) {
  YAML::Node root = YAML::Load(yaml);
  if (!root.IsMap() || !root["helm_values"] || !root["helm_values"].IsScalar()) return yaml;
  const std::string helm = root["helm_values"].Scalar();
  if (helm.starts_with("/")) return yaml;
  absl::StatusOr<std::string> text = read(base_dir + "/" + helm);
  if (!text.ok()) return text.status();
  std::filesystem::path beside = std::filesystem::absolute(out_path);
  beside.replace_extension(".helm-values.yaml");
  std::ofstream out(beside);
  out << *text;
  if (!out) return absl::InternalError("cannot write " + beside.string());
  root["helm_values"] = beside.string();
  return Emit(root);
}

void WorkloadMixToYaml(const WorkloadSpec& w, YAML::Node workload) {
  YAML::Node c = workload["consumers"];
  c["groups"] = w.consumers.groups;
  c["push"]["groups"] = w.consumers.push_groups;
  c["seek_probability"] = w.consumers.seek_probability;
  c["seek_beyond_latest"] = w.consumers.seek_beyond_latest;
  c["group_churn"] = w.consumers.group_churn;
  if (w.consumers.stall_every > sim::Duration::Zero()) {
    c["stall"]["every"] = DurationText(w.consumers.stall_every);
    c["stall"]["for"] = DurationText(w.consumers.stall_for);
  } else {
    c.remove("stall");
  }
  workload["topic_churn"] = w.topic_churn;
  workload["purge"] = w.purge;
  workload["delete"] = w.delete_message;
  workload["producers"]["aligned"] = w.producers.aligned;
  workload["producers"]["one_call"] = w.producers.one_call;
}

YAML::Node FaultPlanToYaml(const faults::FaultPlan& p) {
  YAML::Node f(YAML::NodeType::Map);
  auto on = [](sim::Duration d) { return d > sim::Duration::Zero(); };
  if (p.crashes()) {
    f["crash"]["mean_interval"] = DurationText(p.crash_interval);
    f["crash"]["restart_min"] = DurationText(p.restart_delay_min);
    f["crash"]["restart_max"] = DurationText(p.restart_delay_max);
  }
  if (p.clean_restarts()) {
    f["clean_restart"]["mean_interval"] = DurationText(p.clean_restart_interval);
    f["crash"]["restart_min"] = DurationText(p.restart_delay_min);  // its restart delays
    f["crash"]["restart_max"] = DurationText(p.restart_delay_max);
  }
  if (p.power_losses()) f["power_loss"]["mean_interval"] = DurationText(p.power_loss_interval);
  if (p.power_loss_audits()) {
    f["power_loss"]["audit_every"] = DurationText(p.power_loss_audit_interval);
  }
  if (on(p.crash_at_op_interval)) {
    f["crash_in_call"]["mean_interval"] = DurationText(p.crash_at_op_interval);
    if (p.recovery_crash_probability > 0)
      f["crash_in_call"]["recovery_probability"] = p.recovery_crash_probability;
  }
  if (on(p.disk_full_interval)) {
    f["disk"]["full_every"] = DurationText(p.disk_full_interval);
    f["disk"]["full_for"] = DurationText(p.disk_full_duration);
  }
  if (p.latency.sync.enabled()) {
    YAML::Node range(YAML::NodeType::Sequence);
    range.push_back(p.latency.sync.min.micros());
    range.push_back(p.latency.sync.max.micros());
    f["disk"]["latency_us"] = range;
    if (p.latency.sync.stall_probability > 0) {
      f["disk"]["stall_probability"] = p.latency.sync.stall_probability;
      f["disk"]["stall"] = DurationText(p.latency.sync.stall);
    }
  }
  if (!p.torn_writes) f["disk"]["torn_writes"] = false;
  if (on(p.gc_interval)) {
    YAML::Node range(YAML::NodeType::Sequence);
    range.push_back(p.gc_pause_min.millis());
    range.push_back(p.gc_pause_max.millis());
    f["gc"]["pause_ms"] = range;
    f["gc"]["every"] = DurationText(p.gc_interval);
  }
  if (p.go_gc.gogc > 0) f["gc"]["gogc"] = p.go_gc.gogc;
  if (!p.starve_job.empty() && on(p.starve_interval)) {
    std::string task;
    for (const faults::StarvableJob& j : faults::StarvableJobs()) {
      if (j.job == p.starve_job) task = j.task;
    }
    MQSIM_ASSERT_MSG(!task.empty(), "a fault plan starves a job no scenario can name");
    f["starve"]["task"] = task;
    f["starve"]["for"] = DurationText(p.starve_duration);
    f["starve"]["every"] = DurationText(p.starve_interval);
  }
  if (!p.fiu_points.empty()) {
    for (const std::string& point : p.fiu_points) f["fiu"]["points"].push_back(point);
    f["fiu"]["probability"] = p.fiu_probability;
  }
  if (p.buggify) f["buggify"] = true;
  return f;
}

absl::StatusOr<ShrinkResult> Shrink(const std::string& yaml, const std::string& file,
                                    const std::string& base_dir, const FileReader& read,
                                    uint64_t seed, int max_runs, uint64_t bugs,
                                    const std::function<void(int runs)>& on_run) {
  absl::StatusOr<Scenario> original = ParseScenario(yaml, file, base_dir, read);
  if (!original.ok()) return original.status();
  ShrinkResult out;
  out.result = RunSupervised(*original, RunOptions{seed, nullptr, bugs});
  out.runs = 1;
  if (on_run) on_run(out.runs);
  if (out.result.pass) {
    return absl::FailedPreconditionError(original->name + " passes with seed " +
                                         std::to_string(seed) + ": nothing to shrink");
  }
  const std::string property = out.result.property;
  absl::StatusOr<YAML::Node> parsed = base::ParseYaml(yaml, file);
  if (!parsed.ok()) return parsed.status();
  YAML::Node best = YAML::Clone(*parsed);
  if (original->swarm) {  // make this seed's drawn plan explicit, then shrink it
    best["swarm"] = false;
    best["faults"] = FaultPlanToYaml(original->PlanFor(seed));
    out.kept.push_back("the seed's swarm plan made explicit");
  }
  if (original->swarm_workload) {  // the same for the seed's workload mix
    best["swarm_workload"] = false;
    WorkloadMixToYaml(original->WorkloadFor(seed), best["workload"]);
    out.kept.push_back("the seed's workload mix made explicit");
  }
  best["name"] = original->name + "-shrunk";
  out.yaml = Emit(best);
  bool progress = true;
  while (progress && out.runs < max_runs) {
    progress = false;
    for (const Edit& edit : Edits(best, out.result)) {
      if (out.runs >= max_runs) break;
      YAML::Node candidate = YAML::Clone(best);
      if (!edit.apply(candidate)) continue;
      const std::string text = Emit(candidate);
      absl::StatusOr<Scenario> sc = ParseScenario(text, file, base_dir, read);
      if (!sc.ok()) continue;
      const RunResult r = RunSupervised(*sc, RunOptions{seed, nullptr, bugs});
      ++out.runs;
      if (on_run) on_run(out.runs);
      if (r.pass || r.property != property) continue;
      best = candidate;
      out.yaml = text;
      out.result = r;
      out.kept.push_back(edit.what);
      progress = true;
    }
  }
  return out;
}

}  // namespace mqsim::scenarios
