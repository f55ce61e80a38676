#include "scenarios/report.h"

#include <cinttypes>
#include <cstdio>

#include "base/bug_modes.h"
#include "scenarios/embedded.h"
#include "scenarios/helm_chart.h"
#include "scenarios/version.h"

namespace mqsim::scenarios {

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

std::string BugNames(uint64_t bugs) {
  std::string out;
  for (const auto& b : base::AllBugs()) {
    if (bugs & base::BugMask(b.bug)) out += (out.empty() ? "" : ",") + std::string(b.name);
  }
  return out;
}

std::string ResultLine(const RunResult& r, uint64_t seed) {
  return std::string("RESULT ") + (r.pass ? "pass" : "fail") + " seed=" + std::to_string(seed) +
         " property=" + (r.pass ? "-" : r.property) + " sim_time=" + r.sim_time.ToString() +
         " steps=" + std::to_string(r.steps) + " hash=" + Hex(r.hash);
}

std::string_view Version() { return BuildVersion(); }

std::string EscapeMarkup(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

// One shell word, quoted when it needs to be.
std::string ShellWord(const std::string& w) {
  if (!w.empty() && w.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789._-=/:,") == std::string::npos) {
    return w;
  }
  std::string out = "'";
  for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string ReproCommand(const Scenario& sc, uint64_t seed, uint64_t bugs, const RunResult& r) {
  std::string flags;
  for (const auto& b : base::AllBugs()) {
    if (bugs & base::BugMask(b.bug)) flags += " --bug " + std::string(b.name);
  }
  for (const std::string& set : sc.cli_set) flags += " --set " + ShellWord(RedactHelmSet(set));
  return "bazel run //:mqsim -- replay " + sc.file + " --seed " + std::to_string(seed) + flags +
         " --expect-hash " + Hex(r.hash) + " --trace /tmp/mqsim-" + sc.name + "-" +
         std::to_string(seed) + ".jsonl  # mqsim " + std::string(Version());
}

std::string BazelTestRepro(const Scenario& sc, uint64_t seed, uint64_t bugs,
                           std::string_view extra_env) {
  if (!sc.file.starts_with("scenarios/") || !ReadEmbedded(sc.file).ok() || !sc.cli_set.empty()) {
    return "";  // the sweep test runs stock scenarios as they are
  }
  const std::string names = BugNames(bugs);
  return "bazel test //scenarios:scenarios_test --test_env=MQSIM_SCENARIO=" + sc.name +
         " --test_env=MQSIM_SEEDS=" + std::to_string(seed) +
         (names.empty() ? "" : " --test_env=MQSIM_BUGS=" + names) + std::string(extra_env) +
         " --test_output=errors";
}

bool Expected(const Scenario& sc, const RunResult& r) {
  return sc.expect_failure.empty() ? r.pass : (!r.pass && r.property == sc.expect_failure);
}

namespace {

// The fault injector's counts, by name; and back.

nlohmann::json InjectedToJson(const faults::FaultCounts& c) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, field] : faults::FaultCountFields()) j[name] = c.*field;
  return j;
}

faults::FaultCounts InjectedFromJson(const nlohmann::json& j) {
  faults::FaultCounts c;
  for (const auto& [name, field] : faults::FaultCountFields())
    c.*field = j.at(name).get<uint64_t>();
  return c;
}

}  // namespace

nlohmann::json ResultToJson(const RunResult& r) {
  nlohmann::json j = {
      {"pass", r.pass},         {"property", r.property}, {"detail", r.detail},
      {"store", r.store},       {"plan", r.plan},         {"sim_time_ns", r.sim_time.nanos()},
      {"steps", r.steps},       {"hash", Hex(r.hash)},    {"acked", r.acked},
      {"consumed", r.consumed}, {"crashes", r.crashes}};
  if (r.failed_at) j["failed_at_ns"] = r.failed_at->nanos();
  j["retention_passes"] = r.retention_passes;
  j["injected"] = InjectedToJson(r.injected);
  if (!r.coverage.empty()) j["coverage"] = r.coverage;
  return j;
}

absl::StatusOr<RunResult> ResultFromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("pass") || !j.contains("hash")) {
    return absl::InvalidArgumentError("not a run result");
  }
  try {
    RunResult r;
    r.pass = j.at("pass").get<bool>();
    r.property = j.at("property").get<std::string>();
    r.detail = j.at("detail").get<std::string>();
    r.store = j.at("store").get<std::string>();
    r.plan = j.at("plan").get<std::string>();
    r.sim_time = sim::Duration::Nanos(j.at("sim_time_ns").get<int64_t>());
    if (j.contains("failed_at_ns")) {
      r.failed_at = sim::Duration::Nanos(j.at("failed_at_ns").get<int64_t>());
    }
    r.steps = j.at("steps").get<uint64_t>();
    r.hash = std::stoull(j.at("hash").get<std::string>(), nullptr, 16);
    r.acked = j.at("acked").get<uint64_t>();
    r.consumed = j.at("consumed").get<uint64_t>();
    r.crashes = j.at("crashes").get<uint64_t>();
    r.retention_passes = j.value("retention_passes", uint64_t{0});
    if (j.contains("injected")) r.injected = InjectedFromJson(j.at("injected"));
    if (j.contains("coverage"))
      r.coverage = j.at("coverage").get<std::map<std::string, uint64_t>>();
    return r;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(std::string("run result: ") + e.what());
  }
}

nlohmann::json RunJson(const Scenario& sc, const RunResult& r, uint64_t seed, uint64_t bugs) {
  nlohmann::json j = {{"scenario", sc.name},
                      {"seed", seed},
                      {"result", r.pass ? "pass" : "fail"},
                      {"expected", Expected(sc, r)},
                      {"store", r.store},
                      {"plan", r.plan},
                      {"sim_time", r.sim_time.ToString()},
                      {"steps", r.steps},
                      {"hash", Hex(r.hash)},
                      {"acked", r.acked},
                      {"consumed", r.consumed},
                      {"crashes", r.crashes},
                      {"sim_time_ns", r.sim_time.nanos()},
                      {"wall_seconds", r.wall_seconds},
                      {"injected", InjectedToJson(r.injected)}};
  if (!r.pass) {
    j["property"] = r.property;
    j["detail"] = r.detail;
    j["repro"] = ReproCommand(sc, seed, bugs, r);
    const std::string bazel = BazelTestRepro(sc, seed, bugs);
    if (!bazel.empty()) j["repro_bazel_test"] = bazel;
  }
  return j;
}

absl::StatusOr<RunResult> ResultFromRunJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("result") || !j.contains("hash")) {
    return absl::InvalidArgumentError("not a run of a sweep");
  }
  try {
    RunResult r;
    r.pass = j.at("result").get<std::string>() == "pass";
    r.property = j.value("property", "");
    r.detail = j.value("detail", "");
    r.store = j.value("store", "");
    r.plan = j.value("plan", "");
    r.sim_time = sim::Duration::Nanos(j.value("sim_time_ns", int64_t{0}));
    r.steps = j.value("steps", uint64_t{0});
    r.hash = std::stoull(j.at("hash").get<std::string>(), nullptr, 16);
    r.acked = j.value("acked", uint64_t{0});
    r.consumed = j.value("consumed", uint64_t{0});
    r.crashes = j.value("crashes", uint64_t{0});
    r.wall_seconds = j.value("wall_seconds", 0.0);
    if (j.contains("injected")) r.injected = InjectedFromJson(j.at("injected"));
    return r;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(std::string("run of a sweep: ") + e.what());
  }
}

}  // namespace mqsim::scenarios
