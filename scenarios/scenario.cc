#include "scenarios/scenario.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/status_macros.h"
#include "base/yaml_config.h"
#include "faults/fault_points.h"
#include "scenarios/milvus_spec.h"
#include "scenarios/scenario_fields.h"
#include "scenarios/workload_mix.h"

namespace mqsim::scenarios {

namespace {

using base::YamlSection;

std::optional<int64_t> Int(const YAML::Node& n) {
  if (!n.IsScalar()) return std::nullopt;
  try {
    size_t used = 0;
    const long long v = std::stoll(n.Scalar(), &used);
    if (used != n.Scalar().size()) return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

// [lo, hi] or a single number (lo = hi).
absl::Status GetRange(YamlSection& s, std::string_view key, Range* out, int64_t min_value = 0) {
  if (!s.Has(key)) return absl::OkStatus();
  const YAML::Node v = s.Raw(key);
  Range r;
  if (auto single = Int(v)) {
    r = Range{*single, *single};
  } else if (v.IsSequence() && v.size() == 2 && Int(v[0]) && Int(v[1])) {
    r = Range{*Int(v[0]), *Int(v[1])};
  } else {
    return s.Error(key, "expected a number or a range [low, high]");
  }
  if (r.lo > r.hi) return s.Error(key, "range [low, high] with low > high");
  if (r.lo < min_value) return s.Error(key, "must be at least " + std::to_string(min_value));
  *out = r;
  return absl::OkStatus();
}

// "64MiB", "512KiB", "1GiB", "10MB", "4096".
absl::Status GetBytes(YamlSection& s, std::string_view key, uint64_t* out) {
  if (!s.Has(key)) return absl::OkStatus();
  const YAML::Node v = s.Raw(key);
  const std::string text = v.IsScalar() ? v.Scalar() : "";
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  const std::string unit = text.substr(i);
  uint64_t scale = 0;
  if (unit.empty() || unit == "B")
    scale = 1;
  else if (unit == "KiB")
    scale = 1ULL << 10;
  else if (unit == "MiB")
    scale = 1ULL << 20;
  else if (unit == "GiB")
    scale = 1ULL << 30;
  else if (unit == "KB")
    scale = 1000;
  else if (unit == "MB")
    scale = 1000 * 1000;
  else if (unit == "GB")
    scale = 1000ULL * 1000 * 1000;
  if (i == 0 || scale == 0) return s.Error(key, "expected a size like 4096, 512KiB, 64MiB or 1GiB");
  uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + i, n);
  if (ec != std::errc() || n > UINT64_MAX / scale) return s.Error(key, "size out of range");
  *out = n * scale;
  return absl::OkStatus();
}

absl::Status GetStrings(YamlSection& s, std::string_view key, std::vector<std::string>* out) {
  if (!s.Has(key)) return absl::OkStatus();
  const YAML::Node v = s.Raw(key);
  if (!v.IsSequence()) return s.Error(key, "expected a list of names");
  out->clear();
  for (const auto& item : v) {
    if (!item.IsScalar()) return s.Error(key, "expected a list of names");
    out->push_back(item.Scalar());
  }
  return absl::OkStatus();
}

// An optional probability: absent leaves *out as it is.
absl::Status GetProbability(YamlSection& s, const std::string& key, double* out) {
  MQSIM_RETURN_IF_ERROR(s.Get(key, out));
  if (*out < 0 || *out > 1) return s.Error(key, "must be a probability in [0, 1]");
  return absl::OkStatus();
}

absl::Status ParseProducers(YamlSection& w, ProducerSpec* out) {
  absl::StatusOr<YamlSection> p = w.Child("producers");
  if (!p.ok()) return p.status();
  MQSIM_RETURN_IF_ERROR(p->Get("count", &out->count));
  MQSIM_RETURN_IF_ERROR(p->Get("rate_per_s", &out->rate_per_s));
  MQSIM_RETURN_IF_ERROR(GetRange(*p, "batch", &out->batch, 1));
  MQSIM_RETURN_IF_ERROR(GetRange(*p, "payload_bytes", &out->payload_bytes, 0));
  MQSIM_RETURN_IF_ERROR(p->Get("sync", &out->sync));
  MQSIM_RETURN_IF_ERROR(GetProbability(*p, "aligned", &out->aligned));
  MQSIM_RETURN_IF_ERROR(GetProbability(*p, "one_call", &out->one_call));
  absl::StatusOr<YamlSection> idle = p->Child("idle");
  if (!idle.ok()) return idle.status();
  MQSIM_RETURN_IF_ERROR(GetPositiveDuration(*idle, "every", &out->idle_every));
  MQSIM_RETURN_IF_ERROR(GetPositiveDuration(*idle, "for", &out->idle_for));
  MQSIM_RETURN_IF_ERROR(idle->CheckNoUnknownKeys());
  if (out->count < 0 || out->count > 64) return p->Error("count", "must be 0..64");
  if (out->rate_per_s <= 0 || out->rate_per_s > 100000) {
    return p->Error("rate_per_s", "must be in (0, 100000]");
  }
  if (out->payload_bytes.hi > (4 << 20)) return p->Error("payload_bytes", "at most 4 MiB");
  return p->CheckNoUnknownKeys();
}

absl::Status ParsePush(YamlSection& c, ConsumerSpec* out) {
  absl::StatusOr<YamlSection> push = c.Child("push");
  if (!push.ok()) return push.status();
  MQSIM_RETURN_IF_ERROR(push->Get("groups", &out->push_groups));
  MQSIM_RETURN_IF_ERROR(push->Get("buffer", &out->push_buffer));
  if (out->push_groups < 0 || out->push_groups > out->groups) {
    return push->Error("groups", "must be 0..consumers.groups");
  }
  if (out->push_buffer < 1 || out->push_buffer > 1'000'000) {
    return push->Error("buffer", "must be 1..1000000");
  }
  return push->CheckNoUnknownKeys();
}

absl::Status ParseConsumers(YamlSection& w, ConsumerSpec* out) {
  absl::StatusOr<YamlSection> c = w.Child("consumers");
  if (!c.ok()) return c.status();
  MQSIM_RETURN_IF_ERROR(c->Get("groups", &out->groups));
  MQSIM_RETURN_IF_ERROR(c->Get("batch", &out->batch));
  if (out->groups < 0 || out->groups > 16) return c->Error("groups", "must be 0..16");
  if (out->batch < 1) return c->Error("batch", "must be at least 1");
  MQSIM_RETURN_IF_ERROR(GetProbability(*c, "seek_probability", &out->seek_probability));
  MQSIM_RETURN_IF_ERROR(GetProbability(*c, "seek_beyond_latest", &out->seek_beyond_latest));
  MQSIM_RETURN_IF_ERROR(GetProbability(*c, "group_churn", &out->group_churn));
  absl::StatusOr<YamlSection> stall = c->Child("stall");
  if (!stall.ok()) return stall.status();
  MQSIM_RETURN_IF_ERROR(GetPositiveDuration(*stall, "every", &out->stall_every));
  MQSIM_RETURN_IF_ERROR(GetPositiveDuration(*stall, "for", &out->stall_for));
  MQSIM_RETURN_IF_ERROR(stall->CheckNoUnknownKeys());
  MQSIM_RETURN_IF_ERROR(ParsePush(*c, out));
  return c->CheckNoUnknownKeys();
}

absl::Status ParseWorkload(YamlSection w, sim::Duration duration, WorkloadSpec* out) {
  MQSIM_RETURN_IF_ERROR(w.Get("topics", &out->topics));
  if (out->topics < 1 || out->topics > 64) return w.Error("topics", "must be 1..64");
  MQSIM_RETURN_IF_ERROR(GetProbability(w, "topic_churn", &out->topic_churn));
  MQSIM_RETURN_IF_ERROR(GetProbability(w, "purge", &out->purge));
  MQSIM_RETURN_IF_ERROR(GetProbability(w, "delete", &out->delete_message));
  MQSIM_RETURN_IF_ERROR(GetDuration(w, "read_all_every", &out->read_all_every));
  if (out->read_all_every < sim::Duration::Seconds(1)) {
    return w.Error("read_all_every", "must be at least 1s");
  }
  MQSIM_RETURN_IF_ERROR(ParseProducers(w, &out->producers));
  MQSIM_RETURN_IF_ERROR(ParseConsumers(w, &out->consumers));
  if (w.Has("milvus")) MQSIM_RETURN_IF_ERROR(ParseMilvus(w, duration, &out->milvus));
  return w.CheckNoUnknownKeys();
}

// crash, clean_restart, power_loss, crash_in_call.
absl::Status ParseCrashes(YamlSection& f, faults::FaultPlan* plan) {
  absl::StatusOr<YamlSection> crash = f.Child("crash");
  if (!crash.ok()) return crash.status();
  MQSIM_RETURN_IF_ERROR(GetPositiveDuration(*crash, "mean_interval", &plan->crash_interval));
  MQSIM_RETURN_IF_ERROR(GetDuration(*crash, "restart_min", &plan->restart_delay_min));
  MQSIM_RETURN_IF_ERROR(GetDuration(*crash, "restart_max", &plan->restart_delay_max));
  if (plan->restart_delay_min > plan->restart_delay_max) {
    return crash->Error("restart_min", "must not exceed restart_max");
  }
  MQSIM_RETURN_IF_ERROR(crash->CheckNoUnknownKeys());
  absl::StatusOr<YamlSection> clean = f.Child("clean_restart");
  if (!clean.ok()) return clean.status();
  MQSIM_RETURN_IF_ERROR(
      GetPositiveDuration(*clean, "mean_interval", &plan->clean_restart_interval));
  MQSIM_RETURN_IF_ERROR(clean->CheckNoUnknownKeys());
  absl::StatusOr<YamlSection> power = f.Child("power_loss");
  if (!power.ok()) return power.status();
  MQSIM_RETURN_IF_ERROR(GetPositiveDuration(*power, "mean_interval", &plan->power_loss_interval));
  MQSIM_RETURN_IF_ERROR(
      GetPositiveDuration(*power, "audit_every", &plan->power_loss_audit_interval));
  if (plan->power_loss_audits() && plan->power_loss_audit_interval < sim::Duration::Seconds(1)) {
    return power->Error("audit_every", "must be at least 1s (each audit recovers a copy)");
  }
  MQSIM_RETURN_IF_ERROR(power->CheckNoUnknownKeys());
  absl::StatusOr<YamlSection> in_call = f.Child("crash_in_call");
  if (!in_call.ok()) return in_call.status();
  MQSIM_RETURN_IF_ERROR(
      GetPositiveDuration(*in_call, "mean_interval", &plan->crash_at_op_interval));
  MQSIM_RETURN_IF_ERROR(in_call->Get("recovery_probability", &plan->recovery_crash_probability));
  return in_call->CheckNoUnknownKeys();
}

absl::Status ParseDisk(YamlSection& f, faults::FaultPlan* plan) {
  absl::StatusOr<YamlSection> disk = f.Child("disk");
  if (!disk.ok()) return disk.status();
  MQSIM_RETURN_IF_ERROR(GetBytes(*disk, "capacity", &plan->disk_capacity_bytes));
  Range latency{0, 0};
  MQSIM_RETURN_IF_ERROR(GetRange(*disk, "latency_us", &latency, 0));
  if (latency.hi > 0) {
    const sim::LatencyDistribution d{sim::Duration::Micros(latency.lo),
                                     sim::Duration::Micros(latency.hi), 0, sim::Duration::Zero()};
    plan->latency.read = plan->latency.write = plan->latency.sync = plan->latency.dir_sync = d;
  }
  double stall_probability = 0;
  sim::Duration stall = sim::Duration::Seconds(2);
  MQSIM_RETURN_IF_ERROR(disk->Get("stall_probability", &stall_probability));
  MQSIM_RETURN_IF_ERROR(GetDuration(*disk, "stall", &stall));
  if (stall_probability > 0) {
    plan->latency.sync.stall_probability = stall_probability;
    plan->latency.sync.stall = stall;
  }
  MQSIM_RETURN_IF_ERROR(disk->Get("torn_writes", &plan->torn_writes));
  MQSIM_RETURN_IF_ERROR(GetPositiveDuration(*disk, "full_every", &plan->disk_full_interval));
  MQSIM_RETURN_IF_ERROR(GetPositiveDuration(*disk, "full_for", &plan->disk_full_duration));
  return disk->CheckNoUnknownKeys();
}

absl::Status ParseGc(YamlSection& f, faults::FaultPlan* plan) {
  absl::StatusOr<YamlSection> gc = f.Child("gc");
  if (!gc.ok()) return gc.status();
  Range pause{1, 300};
  MQSIM_RETURN_IF_ERROR(GetRange(*gc, "pause_ms", &pause, 0));
  plan->gc_pause_min = sim::Duration::Millis(pause.lo);
  plan->gc_pause_max = sim::Duration::Millis(pause.hi);
  MQSIM_RETURN_IF_ERROR(GetPositiveDuration(*gc, "every", &plan->gc_interval));
  MQSIM_RETURN_IF_ERROR(gc->Get("gogc", &plan->go_gc.gogc));
  if (plan->go_gc.gogc < 0) return gc->Error("gogc", "must be 0 (off) or a percentage");
  return gc->CheckNoUnknownKeys();
}

absl::Status ParseStarve(YamlSection& f, faults::FaultPlan* plan) {
  absl::StatusOr<YamlSection> starve = f.Child("starve");
  if (!starve.ok()) return starve.status();
  if (starve->Has("task")) {
    std::string task;
    MQSIM_RETURN_IF_ERROR(starve->Get("task", &task));
    const std::vector<faults::StarvableJob>& jobs = faults::StarvableJobs();
    std::string known;
    for (size_t i = 0; i < jobs.size(); ++i) {
      if (jobs[i].task == task) plan->starve_job = jobs[i].job;
      known += (i == 0 ? "" : i + 1 == jobs.size() ? " or " : ", ") + std::string(jobs[i].task);
    }
    if (plan->starve_job.empty()) return starve->Error("task", "expected " + known);
  }
  MQSIM_RETURN_IF_ERROR(GetPositiveDuration(*starve, "for", &plan->starve_duration));
  MQSIM_RETURN_IF_ERROR(GetPositiveDuration(*starve, "every", &plan->starve_interval));
  if (plan->starve_job.empty() != (plan->starve_interval == sim::Duration::Zero())) {
    return starve->SectionError("task and every go together (which job, how often)");
  }
  return starve->CheckNoUnknownKeys();
}

absl::Status ParseFiu(YamlSection& f, faults::FaultPlan* plan) {
  absl::StatusOr<YamlSection> fiu = f.Child("fiu");
  if (!fiu.ok()) return fiu.status();
  MQSIM_RETURN_IF_ERROR(GetStrings(*fiu, "points", &plan->fiu_points));
  MQSIM_RETURN_IF_ERROR(fiu->Get("probability", &plan->fiu_probability));
  for (const std::string& p : plan->fiu_points) {
    if (faults::FaultPoints::Match(p).empty()) {
      return fiu->Error("points", "\"" + p + "\" matches no fault point (see faults/FAULTS.md)");
    }
  }
  if (plan->fiu_probability < 0 || plan->fiu_probability > 1) {
    return fiu->Error("probability", "must be a probability in [0, 1]");
  }
  if (!plan->fiu_points.empty() && plan->fiu_probability == 0) {
    return fiu->Error("probability", "is 0: the points would never fail");
  }
  return fiu->CheckNoUnknownKeys();
}

absl::Status ParseFaults(YamlSection f, faults::FaultPlan* plan) {
  MQSIM_RETURN_IF_ERROR(ParseCrashes(f, plan));
  MQSIM_RETURN_IF_ERROR(ParseDisk(f, plan));
  MQSIM_RETURN_IF_ERROR(ParseGc(f, plan));
  MQSIM_RETURN_IF_ERROR(ParseStarve(f, plan));
  MQSIM_RETURN_IF_ERROR(ParseFiu(f, plan));
  MQSIM_RETURN_IF_ERROR(f.Get("buggify", &plan->buggify));
  return f.CheckNoUnknownKeys();
}

}  // namespace

absl::StatusOr<std::string> ReadFileFromDisk(const std::string& path) {
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) return absl::NotFoundError(path + ": no such file");
  if (!std::filesystem::is_regular_file(st)) {
    return absl::InvalidArgumentError(path + ": not a regular file");
  }
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxInputBytes) {
    return absl::InvalidArgumentError(path + ": larger than " +
                                      std::to_string(kMaxInputBytes >> 20) + " MiB");
  }
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<backends::MqType> Scenario::StoreType() const {
  MQSIM_ASSERT_MSG(backend_draw.empty(), "a drawn backend depends on the seed: StoreTypeFor");
  if (backend) return *backend;
  return backends::SelectMqType(config, mode);
}

absl::StatusOr<backends::MqType> Scenario::StoreTypeFor(uint64_t seed) const {
  if (backend_draw.empty()) return StoreType();
  sim::Random rng(seed ^ 0x6261'636b'656e'6400ULL);  // "backend"
  return backend_draw[rng.Below(backend_draw.size())];
}

std::string Scenario::StoreNames() const {
  if (backend_draw.empty()) {
    const absl::StatusOr<backends::MqType> type = StoreType();
    return type.ok() ? std::string(backends::ToString(*type)) : "?";
  }
  std::string out;
  for (backends::MqType t : backend_draw) {
    out += (out.empty() ? "" : "|") + std::string(backends::ToString(t));
  }
  return out;
}

const std::vector<std::string>& KnownChecks() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (properties::Property p : properties::CheckableProperties()) {
      out.emplace_back(properties::Name(p));
    }
    return out;
  }();
  return names;
}

bool Scenario::Checks(properties::Property property) const {
  return checks.empty() ||
         std::find(checks.begin(), checks.end(), properties::Name(property)) != checks.end();
}

WorkloadSpec Scenario::WorkloadFor(uint64_t seed) const {
  if (!swarm_workload) return workload;
  sim::Random rng(seed ^ 0x776f'726b'6d69'7800ULL);  // "workmix"
  return DrawWorkloadMix(rng, workload);
}

faults::FaultPlan Scenario::PlanFor(uint64_t seed) const {
  if (!swarm) return faults;
  sim::Random rng(seed ^ 0x7377'6172'6d00'0000ULL);  // "swarm"
  faults::FaultPlan p = faults::Swarm(rng, duration);
  p.disk_capacity_bytes = faults.disk_capacity_bytes;
  p.power_loss_audit_interval = faults.power_loss_audit_interval;
  return p;
}

namespace {

// mode and the deployment's configuration layers (scenarios/deployment_config.h).
absl::Status ParseConfig(YamlSection& s, const std::string& base_dir, const FileReader& read,
                         const std::vector<std::string>& cli_set, Scenario* sc) {
  absl::StatusOr<DeploymentConfig> d = ResolveDeploymentConfig(s, base_dir, read, cli_set);
  if (!d.ok()) return d.status();
  if (s.Has("mode")) {
    std::string mode;
    MQSIM_RETURN_IF_ERROR(s.Get("mode", &mode));
    if (mode == "standalone")
      sc->mode = backends::DeployMode::kStandalone;
    else if (mode == "cluster")
      sc->mode = backends::DeployMode::kCluster;
    else
      return s.Error("mode", "expected standalone or cluster");
    if (d->mode && *d->mode != sc->mode) {
      return s.Error("mode", "contradicts cluster.enabled in the helm values");
    }
  } else if (d->mode) {
    sc->mode = *d->mode;
  }
  sc->config = d->config;
  sc->config_layers = d->layers;
  sc->config_notes = d->notes;
  sc->cli_set = cli_set;
  return absl::OkStatus();
}

// checks and expect_failure: names of known checks.
absl::Status ParseChecks(YamlSection& s, Scenario* sc) {
  MQSIM_RETURN_IF_ERROR(GetStrings(s, "checks", &sc->checks));
  for (const std::string& c : sc->checks) {
    if (std::find(KnownChecks().begin(), KnownChecks().end(), c) == KnownChecks().end()) {
      std::string known;
      for (const auto& k : KnownChecks()) known += (known.empty() ? "" : ", ") + k;
      return s.Error("checks", "unknown check \"" + c + "\" (known: " + known + ")");
    }
  }
  if (s.Has("expect_failure")) {
    MQSIM_RETURN_IF_ERROR(s.Get("expect_failure", &sc->expect_failure));
    if (std::find(KnownChecks().begin(), KnownChecks().end(), sc->expect_failure) ==
        KnownChecks().end()) {
      return s.Error("expect_failure", "expected the name of a check");
    }
  }
  return absl::OkStatus();
}

// What the parts of a scenario say must agree: backend with mq.type, checks with the store
// and the workload.
// Power-loss audits recover the generic workload's one store from its simulated disk.
std::string PowerLossAuditRefusal(const Scenario& sc, backends::MqType type) {
  if (sc.workload.milvus.enabled) return "the Milvus workload's stores change with mq.type";
  if (!backends::KeepsFiles(type)) {
    return "the store is " + std::string(backends::ToString(type)) +
           ", which keeps no files on the simulated disk (rocksmq and natsmq do)";
  }
  return "";
}

// backend: one store, or a list the seeds draw from (two or more, each named once).
absl::Status ParseBackend(YamlSection& s, Scenario* sc) {
  const YAML::Node node = s.Raw("backend");
  if (!node.IsDefined() || !node.IsSequence()) return GetMqType(s, "backend", &sc->backend);
  for (const YAML::Node& item : node) {
    const std::optional<backends::MqType> t =
        item.IsScalar() ? backends::ParseMqType(item.Scalar()) : std::nullopt;
    if (!t) {
      return s.Error(
          "backend",
          "expected a list of backends (rocksmq, natsmq, model, pulsar or "
          "kafka), got " +
              (item.IsScalar() ? "\"" + item.Scalar() + "\"" : std::string("a nested value")));
    }
    if (std::find(sc->backend_draw.begin(), sc->backend_draw.end(), *t) != sc->backend_draw.end()) {
      return s.Error("backend", std::string(backends::ToString(*t)) + " is listed twice");
    }
    sc->backend_draw.push_back(*t);
  }
  if (sc->backend_draw.size() < 2) {
    return s.Error("backend", "a list draws one backend per seed: name two or more");
  }
  return absl::OkStatus();
}

absl::Status CheckConsistent(YamlSection& s, const Scenario& sc, backends::MqType type) {
  if (!sc.backend_draw.empty() && sc.config.mq.type != "default") {
    return s.Error("backend", "a drawn backend contradicts mq.type: " + sc.config.mq.type +
                                  " in the configuration (say one of them)");
  }
  if (sc.backend && sc.config.mq.type != "default") {
    const std::optional<backends::MqType> named = backends::ParseMqType(sc.config.mq.type);
    if (named && *named != *sc.backend) {
      return s.Error("backend", std::string(backends::ToString(*sc.backend)) +
                                    " contradicts mq.type: " + sc.config.mq.type +
                                    " in the configuration (say one of them)");
    }
  }
  if (sc.faults.power_loss_audits()) {
    const std::string why = PowerLossAuditRefusal(sc, type);
    if (!why.empty()) return s.Error("faults", "power_loss.audit_every cannot apply: " + why);
  }
  std::vector<std::string> named = sc.checks;
  if (!sc.expect_failure.empty()) named.push_back(sc.expect_failure);
  for (const std::string& c : named) {
    const std::optional<properties::Property> p = properties::ParseProperty(c);
    if (!p) continue;  // ParseChecks named the unknown ones
    const std::string why = sc.WhyNotApplicable(*p, type);
    if (!why.empty()) {
      return s.Error(c == sc.expect_failure &&
                             std::find(sc.checks.begin(), sc.checks.end(), c) == sc.checks.end()
                         ? "expect_failure"
                         : "checks",
                     "\"" + c + "\" cannot apply: " + why);
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool Scenario::RocksMqRetentionOn(backends::MqType type) const {
  return type == backends::MqType::kRocksMq &&
         (config.rocksmq.retention_time_minutes >= 0 || config.rocksmq.retention_size_mb >= 0);
}

bool Scenario::NatsLimitsOn(backends::MqType type) const {
  const natsmq::NatsMqOptions& n = config.natsmq;
  return type == backends::MqType::kNatsMq &&
         (n.retention_max_msgs || n.retention_max_bytes ||
          (n.retention_max_age_minutes && *n.retention_max_age_minutes > 0));
}

std::string Scenario::WhyNotApplicable(properties::Property p, backends::MqType type) const {
  using properties::Property;
  const std::string store(backends::ToString(type));
  if (workload.milvus.enabled) {
    if (p == Property::kOrdering || p == Property::kFlushedRows) return "";
    if ((p == Property::kFlushBeforeSwitch || p == Property::kForeignPosition) &&
        workload.milvus.Switches()) {
      return "";
    }
    return p == Property::kFlushBeforeSwitch || p == Property::kForeignPosition
               ? "the Milvus workload never switches mq.type (add a switch to the operator)"
               : "the Milvus workload is judged by ordering, flushed_rows, flush_before_switch "
                 "and foreign_position only";
  }
  switch (p) {
    case Property::kFlushBeforeSwitch:
    case Property::kForeignPosition:
      return "only the Milvus workload (workload.milvus) switches mq.type";
    case Property::kFlushedRows:
      return "only the Milvus workload (workload.milvus) flushes rows into segments";
    case Property::kRetention:
      return RocksMqRetentionOn(type) ? ""
                                      : "the store is " + store +
                                            " without rocksmq retention (retentionTimeInMinutes or "
                                            "retentionSizeInMB)";
    case Property::kNatsLimits:
      return NatsLimitsOn(type) ? ""
                                : "the store is " + store +
                                      " without JetStream limits (natsmq.server.retention maxMsgs, "
                                      "maxBytes or maxAge)";
    case Property::kPageAccounting:
      return type == backends::MqType::kRocksMq || type == backends::MqType::kNatsMq
                 ? ""
                 : store + " exposes no bookkeeping to account";
    case Property::kDiskSpace:
      return type == backends::MqType::kRocksMq || type == backends::MqType::kNatsMq
                 ? ""
                 : store + " keeps no files to measure";
    case Property::kDeliveryLiveness:
      return workload.consumers.push_groups > 0 ? "" : "no group reads by push (consumers.push)";
    default:
      return "";
  }
}

absl::StatusOr<Scenario> ParseScenario(std::string_view yaml, const std::string& file,
                                       const std::string& base_dir, const FileReader& read,
                                       const std::vector<std::string>& cli_set) {
  absl::StatusOr<YAML::Node> root = base::ParseYaml(yaml, file);
  if (!root.ok()) return root.status();
  if (!root->IsMap()) return absl::InvalidArgumentError(file + ": expected a scenario mapping");
  YamlSection s(*root, file, "");
  Scenario sc;
  sc.file = file;
  MQSIM_RETURN_IF_ERROR(s.Get("name", &sc.name));
  if (sc.name.empty()) return s.SectionError("name: every scenario needs a name");
  MQSIM_RETURN_IF_ERROR(GetDuration(s, "duration", &sc.duration));
  if (sc.duration <= sim::Duration::Zero()) return s.Error("duration", "must be positive");
  MQSIM_RETURN_IF_ERROR(ParseBackend(s, &sc));
  MQSIM_RETURN_IF_ERROR(ParseConfig(s, base_dir, read, cli_set, &sc));
  absl::StatusOr<YamlSection> w = s.Child("workload");
  if (!w.ok()) return w.status();
  MQSIM_RETURN_IF_ERROR(ParseWorkload(*w, sc.duration, &sc.workload));
  // Without workload.topics, the deployment's rootCoord.dmlChannelNum says how many.
  if (!w->Has("topics") && sc.config.channels.dml_channel_num) {
    sc.workload.topics = *sc.config.channels.dml_channel_num;
    if (sc.workload.topics > 64) {
      return s.SectionError("rootCoord.dmlChannelNum " + std::to_string(sc.workload.topics) +
                            " channels: mqsim runs at most 64; set workload.topics");
    }
  }
  MQSIM_RETURN_IF_ERROR(
      ResolveUpgrades(*root, file, base_dir, read, cli_set, sc.mode, &sc.workload.milvus));
  absl::StatusOr<YamlSection> f = s.Child("faults");
  if (!f.ok()) return f.status();
  MQSIM_RETURN_IF_ERROR(ParseFaults(*f, &sc.faults));
  MQSIM_RETURN_IF_ERROR(s.Get("swarm", &sc.swarm));
  MQSIM_RETURN_IF_ERROR(s.Get("swarm_workload", &sc.swarm_workload));
  if (sc.swarm_workload && sc.workload.milvus.enabled) {
    return s.Error("swarm_workload", "draws the generic workload's mix; this scenario runs milvus");
  }
  MQSIM_RETURN_IF_ERROR(ParseChecks(s, &sc));
  MQSIM_RETURN_IF_ERROR(s.CheckNoUnknownKeys());
  if (!sc.backend_draw.empty()) {
    if (sc.workload.milvus.enabled) {
      return s.Error("backend",
                     "a drawn backend needs the generic workload (Milvus's stores "
                     "follow mq.type)");
    }
    for (backends::MqType type : sc.backend_draw) {
      MQSIM_RETURN_IF_ERROR(CheckConsistent(s, sc, type));
    }
    return sc;
  }
  absl::StatusOr<backends::MqType> type = sc.StoreType();
  if (!type.ok()) return s.SectionError(std::string(type.status().message()));
  MQSIM_RETURN_IF_ERROR(CheckConsistent(s, sc, *type));
  return sc;
}

absl::StatusOr<Scenario> LoadScenario(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileFromDisk(path);
  if (!text.ok()) return text.status();
  const size_t slash = path.rfind('/');
  return ParseScenario(*text, path, slash == std::string::npos ? "." : path.substr(0, slash));
}

}  // namespace mqsim::scenarios
