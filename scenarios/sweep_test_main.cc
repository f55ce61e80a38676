// A Bazel test that sweeps scenarios over seeds (and replays the corpus of past failing
// seeds), honouring Bazel's sharding protocol so shard_count or a remote executor splits
// the work. Configured by environment (the mqsim_sweep_test macro sets it; --test_env
// overrides it, which is how a REPRO line narrows a run to one seed):
//   MQSIM_SCENARIO  a stock scenario's name, or "all"
//   MQSIM_SEEDS     A..B
//   MQSIM_CORPUS    1: also every seed in scenarios/corpus/<name>.seeds; a line there may
//                   name a variant: `SEED [swarm] [on rocksmq|natsmq] # why`
//   MQSIM_BUGS      a,b: bug modes switched on (a REPRO line of an `mqsim --bug` run sets it)
//   MQSIM_SWARM     1: every selected scenario draws its fault mix from the seed (swarm), and
//                   so does every generic workload its operation mix (swarm_workload)
//   MQSIM_BACKEND   rocksmq|natsmq: run every selected scenario on this engine instead;
//                   scenarios that select their store through mq.type, run the Milvus data
//                   path or demonstrate a failure are left out
// Each run is supervised (scenarios/supervisor.h): an engine crash is a failed run with its
// evidence, not the death of the test.
// Every (scenario, seed) prints its RESULT line; an unexpected outcome prints its REPRO
// lines and fails the test. Results also go to $XML_OUTPUT_FILE (JUnit).
#include <absl/status/status.h>

#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "backends/mq_type.h"
#include "base/bug_modes.h"
#include "scenarios/driver.h"
#include "scenarios/embedded.h"
#include "scenarios/report.h"
#include "scenarios/runner.h"
#include "scenarios/scenario.h"
#include "scenarios/shard.h"

namespace {

using mqsim::scenarios::RunResult;
using mqsim::scenarios::Scenario;

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

// How a run differs from its stock scenario: the swarm's fault and workload mixes, another
// engine (empty: its own). Asked for by the environment, and by a corpus line on top.
struct Variant {
  bool swarm = false;
  std::string backend;  // "", "rocksmq" or "natsmq"
};

// Adjusts `sc` to the variant; false if it cannot run on the variant's engine (it names no
// engine, runs the Milvus data path or demonstrates a failure).
bool ApplyVariant(const Variant& v, Scenario& sc) {
  if (v.swarm) {
    sc.swarm = true;
    sc.swarm_workload = !sc.workload.milvus.enabled;
  }
  if (v.backend.empty()) return true;
  if ((!sc.backend && sc.backend_draw.empty()) || sc.workload.milvus.enabled ||
      !sc.expect_failure.empty()) {
    return false;
  }
  sc.backend_draw.clear();  // the variant's engine for every seed
  sc.backend = mqsim::backends::ParseMqType(v.backend).value();
  return true;
}

// The --test_env flags that make the sweep test rerun the same variant.
std::string EnvFlags(const Variant& v) {
  std::string env;
  if (v.swarm) env += " --test_env=MQSIM_SWARM=1";
  if (!v.backend.empty()) env += " --test_env=MQSIM_BACKEND=" + v.backend;
  return env;
}

// What the environment asks for.
struct Config {
  std::string which;
  mqsim::scenarios::SeedRange seeds;
  bool corpus = false;
  uint64_t bugs = 0;
  Variant variant;
  uint64_t shards = 1, shard = 0;
};

std::optional<Config> ReadConfig() {
  Config c;
  c.which = Env("MQSIM_SCENARIO", "all");
  absl::StatusOr<mqsim::scenarios::SeedRange> seeds =
      mqsim::scenarios::ParseSeedRange(Env("MQSIM_SEEDS", "1..3"));
  if (!seeds.ok()) {
    std::cerr << "MQSIM_SEEDS: " << std::string(seeds.status().message()) << "\n";
    return std::nullopt;
  }
  c.seeds = *seeds;
  c.corpus = Env("MQSIM_CORPUS", "0") == "1";
  std::istringstream names(Env("MQSIM_BUGS", ""));
  for (std::string name; std::getline(names, name, ',');) {
    if (name.empty()) continue;
    const auto b = mqsim::base::ParseBug(name);
    if (!b) {
      std::cerr << "MQSIM_BUGS: unknown bug mode " << name << "\n";
      return std::nullopt;
    }
    c.bugs |= mqsim::base::BugMask(*b);
  }
  c.variant.swarm = Env("MQSIM_SWARM", "0") == "1";
  c.variant.backend = Env("MQSIM_BACKEND", "");
  const std::string& backend = c.variant.backend;
  if (!backend.empty() && backend != "rocksmq" && backend != "natsmq") {
    std::cerr << "MQSIM_BACKEND: expected rocksmq or natsmq, got " << backend << "\n";
    return std::nullopt;
  }
  c.shards = std::stoull(Env("TEST_TOTAL_SHARDS", "1"));
  c.shard = std::stoull(Env("TEST_SHARD_INDEX", "0"));
  return c;
}

struct Job {
  const Scenario* scenario;
  uint64_t seed;
  std::string why;
  Variant variant;  // how scenario differs from the stock one
};

// A corpus line's variant, `SEED [swarm] [on rocksmq|natsmq]` after the seed, on top of
// `base`; nullopt if the words are not understood.
std::optional<Variant> ParseVariant(std::istringstream& words, Variant base) {
  for (std::string w; words >> w;) {
    if (w == "swarm") {
      base.swarm = true;
    } else if (w == "on" && words >> w && (w == "rocksmq" || w == "natsmq")) {
      base.backend = w;
    } else {
      return std::nullopt;
    }
  }
  return base;
}

// The seeds of the corpus of past failing seeds of one scenario (`sc`, already adjusted to
// the environment's variant `base`), with why each is kept. A line naming a variant of its
// own runs a copy of the scenario kept in `variants`. A line that cannot be read, or names
// an engine the scenario cannot run on, is an error: a corpus entry never silently lapses.
absl::Status AddCorpus(const Scenario& sc, const Variant& base, std::vector<Job>& jobs,
                       std::deque<Scenario>& variants) {
  absl::StatusOr<std::string> list = mqsim::scenarios::ReadEmbedded("corpus/" + sc.name + ".seeds");
  if (!list.ok()) return absl::OkStatus();
  std::istringstream lines(*list);
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    const std::string head = line.substr(0, line.find('#'));
    if (head.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string why =
        line.find('#') == std::string::npos ? "" : line.substr(line.find('#') + 1);
    std::istringstream words(head);
    uint64_t seed = 0;
    const std::optional<Variant> v = words >> seed ? ParseVariant(words, base) : std::nullopt;
    Scenario variant = sc;
    if (!v || !ApplyVariant(*v, variant)) {
      return absl::InvalidArgumentError("corpus/" + sc.name + ".seeds:" + std::to_string(number) +
                                        ": expected SEED [swarm] [on rocksmq|natsmq], got `" +
                                        head + "`");
    }
    const bool same = v->swarm == base.swarm && v->backend == base.backend;
    const Scenario* run = same ? &sc : &variants.emplace_back(std::move(variant));
    jobs.push_back({run, seed, "corpus:" + why, *v});
  }
  return absl::OkStatus();
}

// The selected scenarios, adjusted for swarm and backend; nullopt if none is selected.
std::optional<std::vector<Scenario>> Select(const Config& c, std::vector<Scenario> stock) {
  std::vector<Scenario> out;
  for (Scenario& sc : stock) {
    if (c.which != "all" && sc.name != c.which) continue;
    if (ApplyVariant(c.variant, sc)) out.push_back(std::move(sc));
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// Prints one run's RESULT line (and REPRO lines when unexpected); its JUnit test case.
std::string Report(const Config& c, const Job& j, const RunResult& r, int& unexpected) {
  const Scenario& sc = *j.scenario;
  const bool expected = mqsim::scenarios::Expected(sc, r);
  std::cout << sc.name << ": " << mqsim::scenarios::ResultLine(r, j.seed)
            << (sc.expect_failure.empty() ? "" : " (expected to fail " + sc.expect_failure + ")")
            << (j.why.empty() ? "" : " [" + j.why + "]") << "\n";
  std::string xml = "  <testcase classname=\"" + mqsim::scenarios::EscapeMarkup(sc.name) +
                    "\" name=\"seed " + std::to_string(j.seed) + "\">";
  if (!expected) {
    ++unexpected;
    // With swarm or backend overrides only the sweep test itself reruns the same scenario.
    const std::string env = EnvFlags(j.variant);
    const std::string bazel = mqsim::scenarios::BazelTestRepro(sc, j.seed, c.bugs, env);
    const std::string repro =
        env.empty() ? mqsim::scenarios::ReproCommand(sc, j.seed, c.bugs, r) : bazel;
    std::cout << "  UNEXPECTED: "
              << (r.pass ? "passed, expected to fail " + sc.expect_failure : r.detail)
              << "\n  REPRO: " << repro << "\n";
    if (!bazel.empty() && env.empty()) std::cout << "  REPRO (bazel test): " << bazel << "\n";
    xml += "<failure message=\"" +
           mqsim::scenarios::EscapeMarkup(r.pass ? "unexpected pass" : r.property) + "\">" +
           mqsim::scenarios::EscapeMarkup(r.detail + "\nREPRO: " + repro) + "</failure>";
  }
  return xml + "</testcase>\n";
}

void WriteJUnit(uint64_t ran, int unexpected, const std::string& cases) {
  const char* path = std::getenv("XML_OUTPUT_FILE");
  if (path == nullptr) return;
  std::ofstream out(path);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites><testsuite name=\"mqsim "
         "sweep\" tests=\""
      << ran << "\" failures=\"" << unexpected << "\">\n"
      << cases << "</testsuite></testsuites>\n";
}

}  // namespace

int main() {
  const std::optional<Config> c = ReadConfig();
  if (!c) return 2;
  if (const char* status = std::getenv("TEST_SHARD_STATUS_FILE")) std::ofstream touch(status);
  absl::StatusOr<std::vector<Scenario>> stock = mqsim::scenarios::StockScenarios();
  if (!stock.ok()) {
    std::cerr << std::string(stock.status().message()) << "\n";
    return 2;
  }
  const std::optional<std::vector<Scenario>> selected = Select(*c, *std::move(stock));
  if (!selected) {
    std::cerr << "MQSIM_SCENARIO: no stock scenario named " << c->which << "\n";
    return 2;
  }
  std::vector<Job> jobs, mine;
  std::deque<Scenario> variants;  // corpus variants; a deque keeps their addresses stable
  for (const Scenario& sc : *selected) {
    for (uint64_t i = 0; i < c->seeds.count(); ++i)
      jobs.push_back({&sc, c->seeds.first + i, "", c->variant});
    if (!c->corpus) continue;
    if (const absl::Status st = AddCorpus(sc, c->variant, jobs, variants); !st.ok()) {
      std::cerr << std::string(st.message()) << "\n";
      return 2;
    }
  }
  // The sharding contract of `mqsim sweep --shard` (scenarios/shard.h): a contiguous slice.
  const auto [begin, end] =
      mqsim::scenarios::ShardSlice(jobs.size(), mqsim::scenarios::Shard{c->shard, c->shards});
  mine.assign(jobs.begin() + static_cast<long>(begin), jobs.begin() + static_cast<long>(end));
  int unexpected = 0;
  std::string cases;
  const int stop = mqsim::scenarios::RunMany(
      mine.size(),
      [&](uint64_t i) {
        return mqsim::scenarios::SweepRun{mine[i].scenario, mine[i].seed};
      },
      1, c->bugs,
      [&](uint64_t i, const RunResult& r) { cases += Report(*c, mine[i], r, unexpected); });
  if (stop != 0) {
    std::cerr << "interrupted by SIG" << sigabbrev_np(stop) << "\n";
    return 128 + stop;
  }
  WriteJUnit(mine.size(), unexpected, cases);
  std::cout << mine.size() << " runs, " << unexpected << " unexpected (shard " << c->shard + 1
            << "/" << c->shards << ")\n";
  return unexpected == 0 ? 0 : 1;
}
