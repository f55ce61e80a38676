// The guard of every refactor: each stock scenario over seeds 1..20 must reproduce the
// trace hash (and step count) recorded in scenarios/golden_hashes.txt, bit for bit, and
// reach the coverage goals (scenarios/coverage.h) recorded for it there. Together the
// stock scenarios must reach every goal: every call answered ok, every fault kind, every
// fault point failing and every BUGGIFY site firing, of both engines.
//
// A change that must change a hash (new trace events, a fixed engine behaviour) re-records
// the file in a commit of its own that says why:
//     bazel run --test_sharding_strategy=disabled //scenarios:golden_hashes_test -- --record
// (`bazel run` sets BUILD_WORKSPACE_DIRECTORY; the file is rewritten in the source tree.)
// Honours Bazel's sharding protocol; a shard checks the scenarios i % shards == shard.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include "scenarios/coverage.h"
#include "scenarios/embedded.h"
#include "scenarios/runner.h"
#include "scenarios/scenario.h"

namespace {

using mqsim::scenarios::Scenario;

constexpr uint64_t kFirstSeed = 1;
constexpr uint64_t kLastSeed = 20;
constexpr const char* kGoldenPath = "scenarios/golden_hashes.txt";

struct Golden {
  uint64_t hash = 0;
  uint64_t steps = 0;
};
using Key = std::pair<std::string, uint64_t>;  // scenario name, seed
using Goals = std::set<std::string>;
struct GoldenFile {
  std::map<Key, Golden> hashes;
  std::map<std::string, Goals> reached;  // per scenario, the goals its seeds reach
};

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

// Lines "name seed hash steps" and "coverage name goal"; '#' starts a comment.
bool ReadGolden(const std::string& path, GoldenFile* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::string head = line.substr(0, line.find('#'));
    if (head.find_first_not_of(" \t") == std::string::npos) continue;
    std::istringstream f(head);
    std::string name, hash;
    uint64_t seed = 0, steps = 0;
    if (head.starts_with("coverage ")) {
      std::string goal;
      f >> hash >> name >> std::ws;
      std::getline(f, goal);
      out->reached[name].insert(goal);
    } else if (f >> name >> seed >> hash >> steps) {
      out->hashes[{name, seed}] = Golden{std::stoull(hash, nullptr, 16), steps};
    } else {
      std::cerr << path << ":" << n << ": expected \"scenario seed hash steps\"\n";
      return false;
    }
  }
  return true;
}

// The coverage goals a scenario's runs reached.
Goals Reached(const mqsim::scenarios::CoverageTally& tally) {
  Goals out;
  const auto totals = tally.Totals();
  for (const std::string& g : mqsim::scenarios::CoverageGoals()) {
    auto it = totals.find(g);
    if (it != totals.end() && it->second > 0) out.insert(g);
  }
  return out;
}

std::vector<Scenario> StockScenarios() {
  std::vector<Scenario> out;
  for (const auto& f : mqsim::scenarios::EmbeddedFiles()) {
    if (f.name.find('/') != std::string::npos || !f.name.ends_with(".yaml")) continue;
    absl::StatusOr<Scenario> sc = mqsim::scenarios::ParseScenario(
        f.text, "scenarios/" + f.name, "scenarios", mqsim::scenarios::ReadEmbedded);
    if (!sc.ok()) {
      std::cerr << std::string(sc.status().message()) << "\n";
      std::exit(2);
    }
    out.push_back(*sc);
  }
  return out;
}

int Record(const std::vector<Scenario>& stock) {
  const char* root = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  if (root == nullptr) {
    std::cerr << "--record: run me with `bazel run --test_sharding_strategy=disabled "
                 "//scenarios:golden_hashes_test -- --record`\n";
    return 2;
  }
  const std::string path = std::string(root) + "/" + kGoldenPath;
  std::ofstream out(path);
  out << "# Trace hashes of the stock scenarios, seeds " << kFirstSeed << ".." << kLastSeed
      << ": scenario seed hash steps.\n"
      << "# Checked by //scenarios:golden_hashes_test; re-record only in a commit that says why.\n";
  for (const Scenario& sc : stock) {
    mqsim::scenarios::CoverageTally tally;
    for (uint64_t seed = kFirstSeed; seed <= kLastSeed; ++seed) {
      const auto r = mqsim::scenarios::RunScenario(sc, {.seed = seed});
      out << sc.name << " " << seed << " " << Hex(r.hash) << " " << r.steps << "\n";
      tally.Add(r.coverage, r.store);
    }
    for (const std::string& g : Reached(tally)) out << "coverage " << sc.name << " " << g << "\n";
  }
  std::cout << "recorded " << path << "\n";
  return out ? 0 : 1;
}

// Runs one scenario's seeds: the number of hashes that differ from the golden ones, and
// whether the goals reached are those recorded.
int CheckScenario(const Scenario& sc, const GoldenFile& golden) {
  int mismatches = 0;
  mqsim::scenarios::CoverageTally tally;
  for (uint64_t seed = kFirstSeed; seed <= kLastSeed; ++seed) {
    const auto it = golden.hashes.find({sc.name, seed});
    const auto r = mqsim::scenarios::RunScenario(sc, {.seed = seed});
    tally.Add(r.coverage, r.store);
    if (it == golden.hashes.end()) {
      std::cout << sc.name << " seed " << seed << ": no golden hash (got " << Hex(r.hash)
                << "); record the file\n";
      ++mismatches;
    } else if (it->second.hash != r.hash || it->second.steps != r.steps) {
      std::cout << sc.name << " seed " << seed << ": hash " << Hex(r.hash) << " steps " << r.steps
                << ", golden " << Hex(it->second.hash) << " steps " << it->second.steps
                << "\n  REPRO: bazel run //:mqsim -- check-determinism " << sc.name << " --seeds "
                << seed << "\n";
      ++mismatches;
    }
  }
  const auto recorded = golden.reached.find(sc.name);
  if (recorded == golden.reached.end() || recorded->second != Reached(tally)) {
    std::cout << sc.name << ": the coverage goals reached differ from the recorded ones\n";
    ++mismatches;
  }
  return mismatches;
}

// Whole-file checks: no entry of an unknown scenario, and every coverage goal reached by
// some stock scenario.
int CheckStockSet(const std::vector<Scenario>& stock, const GoldenFile& golden) {
  int mismatches = 0;
  std::set<std::string> names;
  for (const Scenario& sc : stock) names.insert(sc.name);
  for (const auto& [key, g] : golden.hashes) {
    if (names.count(key.first) == 0) {
      std::cout << "golden entry for unknown scenario " << key.first << "\n";
      ++mismatches;
    }
  }
  Goals all;
  for (const auto& [name, goals] : golden.reached) {
    if (names.count(name) != 0) all.insert(goals.begin(), goals.end());
  }
  for (const std::string& g : mqsim::scenarios::CoverageGoals()) {
    if (all.count(g) == 0) {
      std::cout << "no stock scenario reaches " << g << "\n";
      ++mismatches;
    }
  }
  return mismatches;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<Scenario> stock = StockScenarios();
  if (argc > 1 && std::string(argv[1]) == "--record") return Record(stock);
  GoldenFile golden;
  if (!ReadGolden(kGoldenPath, &golden)) {
    std::cerr << "cannot read " << kGoldenPath << "\n";
    return 2;
  }
  const uint64_t shards = std::stoull(std::getenv("TEST_TOTAL_SHARDS") ?: "1");
  const uint64_t shard = std::stoull(std::getenv("TEST_SHARD_INDEX") ?: "0");
  if (const char* status = std::getenv("TEST_SHARD_STATUS_FILE")) std::ofstream touch(status);
  int mismatches = shard == 0 ? CheckStockSet(stock, golden) : 0;
  int checked = 0;
  for (size_t i = 0; i < stock.size(); ++i) {
    if (i % shards != shard) continue;
    mismatches += CheckScenario(stock[i], golden);
    ++checked;
  }
  std::cout << checked << " scenarios checked, " << mismatches << " differ from " << kGoldenPath
            << "\n";
  return mismatches == 0 ? 0 : 1;
}
