// A Bazel test that sweeps scenarios over seeds (and replays the corpus of past failing
// seeds), honouring Bazel's sharding protocol so shard_count or a remote executor splits
// the work. Configured by environment (the mqsim_sweep_test macro sets it; --test_env
// overrides it, which is how a REPRO line narrows a run to one seed):
//   MQSIM_SCENARIO  a stock scenario's name, or "all"
//   MQSIM_SEEDS     A..B
//   MQSIM_CORPUS    1: also every seed in scenarios/corpus/<name>.seeds
//   MQSIM_BUGS      a,b: bug modes switched on (a REPRO line of an `mqsim --bug` run sets it)
//   MQSIM_SWARM     1: every selected scenario draws its fault mix from the seed (swarm)
//   MQSIM_BACKEND   rocksmq|natsmq: run every selected scenario on this engine instead;
//                   scenarios that select their store through mq.type, run the Milvus data
//                   path or demonstrate a failure are left out
// Each run is supervised (scenarios/supervisor.h): an engine crash is a failed run with its
// evidence, not the death of the test.
// Every (scenario, seed) prints its RESULT line; an unexpected outcome prints its REPRO
// lines and fails the test. Results also go to $XML_OUTPUT_FILE (JUnit).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "base/bug_modes.h"
#include "scenarios/embedded.h"
#include "scenarios/report.h"
#include "scenarios/runner.h"
#include "scenarios/scenario.h"
#include "scenarios/supervisor.h"

namespace {

using mqsim::scenarios::ReadEmbedded;

using mqsim::scenarios::EmbeddedFiles;
using mqsim::scenarios::RunResult;
using mqsim::scenarios::Scenario;

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
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

}  // namespace

int main() {
  const std::string which = Env("MQSIM_SCENARIO", "all");
  const std::string seeds = Env("MQSIM_SEEDS", "1..3");
  const bool corpus = Env("MQSIM_CORPUS", "0") == "1";
  // MQSIM_BUGS=a,b: bug modes on (a REPRO line of `mqsim --bug` runs sets it).
  uint64_t bugs = 0;
  {
    std::istringstream names(Env("MQSIM_BUGS", ""));
    std::string name;
    while (std::getline(names, name, ',')) {
      if (name.empty()) continue;
      const auto b = mqsim::base::ParseBug(name);
      if (!b) {
        std::cerr << "MQSIM_BUGS: unknown bug mode " << name << "\n";
        return 2;
      }
      bugs |= mqsim::base::BugMask(*b);
    }
  }
  const bool swarm = Env("MQSIM_SWARM", "0") == "1";
  const std::string backend = Env("MQSIM_BACKEND", "");
  if (!backend.empty() && backend != "rocksmq" && backend != "natsmq") {
    std::cerr << "MQSIM_BACKEND: expected rocksmq or natsmq, got " << backend << "\n";
    return 2;
  }
  uint64_t first = 1, last = 1;
  const size_t dots = seeds.find("..");
  try {
    first = std::stoull(seeds.substr(0, dots));
    last = dots == std::string::npos ? first : std::stoull(seeds.substr(dots + 2));
  } catch (...) {
    std::cerr << "MQSIM_SEEDS: expected A..B, got " << seeds << "\n";
    return 2;
  }
  const uint64_t shards = std::stoull(Env("TEST_TOTAL_SHARDS", "1"));
  const uint64_t shard = std::stoull(Env("TEST_SHARD_INDEX", "0"));
  if (const char* status = std::getenv("TEST_SHARD_STATUS_FILE")) std::ofstream touch(status);

  struct Job {
    Scenario scenario;
    uint64_t seed;
    std::string why;
  };
  std::vector<Job> jobs;
  bool found = false;
  for (const auto& f : EmbeddedFiles()) {
    if (f.name.find('/') != std::string::npos || !f.name.ends_with(".yaml")) continue;
    absl::StatusOr<Scenario> sc =
        mqsim::scenarios::ParseScenario(f.text, "scenarios/" + f.name, "scenarios", ReadEmbedded);
    if (!sc.ok()) {
      std::cerr << std::string(sc.status().message()) << "\n";
      return 2;
    }
    if (which != "all" && sc->name != which) continue;
    if (swarm) sc->swarm = true;
    if (!backend.empty()) {
      if (!sc->backend || sc->workload.milvus.enabled || !sc->expect_failure.empty()) continue;
      sc->backend = mqsim::backends::ParseMqType(backend).value();
    }
    found = true;
    for (uint64_t seed = first; seed <= last; ++seed) jobs.push_back({*sc, seed, ""});
    if (!corpus) continue;
    absl::StatusOr<std::string> list = ReadEmbedded("corpus/" + sc->name + ".seeds");
    if (!list.ok()) continue;
    std::istringstream lines(*list);
    std::string line;
    while (std::getline(lines, line)) {
      const std::string head = line.substr(0, line.find('#'));
      if (head.find_first_not_of(" \t") == std::string::npos) continue;
      const std::string why =
          line.find('#') == std::string::npos ? "" : line.substr(line.find('#') + 1);
      jobs.push_back({*sc, std::stoull(head), "corpus:" + why});
    }
  }
  if (!found) {
    std::cerr << "MQSIM_SCENARIO: no stock scenario named " << which << "\n";
    return 2;
  }
  int unexpected = 0, ran = 0;
  std::string xml;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (i % shards != shard) continue;
    const Job& j = jobs[i];
    const RunResult r = mqsim::scenarios::RunSupervised(
        j.scenario, mqsim::scenarios::RunOptions{j.seed, nullptr, bugs});
    ++ran;
    const bool expected = mqsim::scenarios::Expected(j.scenario, r);
    std::cout << j.scenario.name << ": " << mqsim::scenarios::ResultLine(r, j.seed)
              << (j.scenario.expect_failure.empty()
                      ? ""
                      : " (expected to fail " + j.scenario.expect_failure + ")")
              << (j.why.empty() ? "" : " [" + j.why + "]") << "\n";
    xml += "  <testcase classname=\"" + XmlEscape(j.scenario.name) + "\" name=\"seed " +
           std::to_string(j.seed) + "\">";
    if (!expected) {
      ++unexpected;
      const std::string repro = mqsim::scenarios::ReproCommand(j.scenario, j.seed, bugs);
      const std::string bazel = mqsim::scenarios::BazelTestRepro(j.scenario, j.seed, bugs);
      std::cout << "  UNEXPECTED: "
                << (r.pass ? "passed, expected to fail " + j.scenario.expect_failure : r.detail)
                << "\n  REPRO: " << repro << "\n";
      if (!bazel.empty() && !swarm && backend.empty())
        std::cout << "  REPRO (bazel test): " << bazel << "\n";
      xml += "<failure message=\"" + XmlEscape(r.pass ? "unexpected pass" : r.property) + "\">" +
             XmlEscape(r.detail + "\nREPRO: " + repro) + "</failure>";
    }
    xml += "</testcase>\n";
  }
  if (const char* path = std::getenv("XML_OUTPUT_FILE")) {
    std::ofstream out(path);
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites><testsuite name=\"mqsim "
           "sweep\" tests=\""
        << ran << "\" failures=\"" << unexpected << "\">\n"
        << xml << "</testsuite></testsuites>\n";
  }
  std::cout << ran << " runs, " << unexpected << " unexpected (shard " << shard + 1 << "/" << shards
            << ")\n";
  return unexpected == 0 ? 0 : 1;
}
