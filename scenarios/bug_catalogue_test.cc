// The bug catalogue (docs/bugs.md): each implemented bug mode, switched on, is
// caught by a stock scenario within a bounded seed range, by the property bugs.md expects;
// the same seeds pass with it off; and `shrink` reduces the first failure to a smaller
// scenario that still fails the same way. Sharded by bug mode.
#include "scenarios/bug_catalogue.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "base/bug_modes.h"
#include "scenarios/embedded.h"
#include "scenarios/runner.h"
#include "scenarios/scenario.h"
#include "scenarios/shrink.h"
#include "scenarios/supervisor.h"

namespace mqsim::scenarios {
namespace {

using base::Bug;

bool MyShard(size_t index) {
  const char* total = std::getenv("TEST_TOTAL_SHARDS");
  const char* shard = std::getenv("TEST_SHARD_INDEX");
  if (total == nullptr || shard == nullptr) return true;
  return index % std::strtoull(total, nullptr, 10) == std::strtoull(shard, nullptr, 10);
}

TEST_CASE("Every bug mode is caught by a stock scenario, and shrunk") {
  if (const char* status = std::getenv("TEST_SHARD_STATUS_FILE"))
    std::fclose(std::fopen(status, "w"));
  for (size_t i = 0; i < Catalogue().size(); ++i) {
    if (!MyShard(i)) continue;
    const CatalogueEntry& c = Catalogue()[i];
    const std::string name(base::Info(c.bug).name);
    absl::StatusOr<std::string> text = ReadEmbedded(std::string(c.scenario) + ".yaml");
    REQUIRE(text.ok());
    absl::StatusOr<Scenario> sc = ParseScenario(
        *text, "scenarios/" + std::string(c.scenario) + ".yaml", "scenarios", ReadEmbedded);
    REQUIRE(sc.ok());
    std::optional<uint64_t> first;
    for (uint64_t seed = c.first_seed; seed <= c.seeds; ++seed) {
      const RunResult off = RunScenario(*sc, RunOptions{seed, nullptr, 0});
      INFO(name << " on " << c.scenario << ", seed " << seed
                << " with the bug off: " << off.detail);
      CHECK(off.pass);
      // Supervised: a bug mode may crash the engine's process (engine_crash).
      const RunResult on = RunSupervised(*sc, RunOptions{seed, nullptr, base::BugMask(c.bug)});
      if (!first && !on.pass && on.property == c.property) first = seed;
    }
    INFO(name << " on " << c.scenario << ": expected " << c.property << " within seeds "
              << c.first_seed << ".." << c.seeds);
    REQUIRE(first.has_value());
    absl::StatusOr<ShrinkResult> shrunk =
        Shrink(*text, sc->file, "scenarios", ReadEmbedded, *first, 40, base::BugMask(c.bug));
    REQUIRE(shrunk.ok());
    CHECK_FALSE(shrunk->result.pass);
    CHECK(shrunk->result.property == c.property);
    CHECK_FALSE(shrunk->kept.empty());  // something got smaller
  }
}

TEST_CASE("Bug modes: names, parsing, off by default") {
  CHECK(base::AllBugs().size() == static_cast<size_t>(Bug::kCount));
  for (const auto& b : base::AllBugs()) {
    CHECK(base::ParseBug(b.name) == b.bug);
    CHECK(&base::Info(b.bug) == &b);
  }
  CHECK_FALSE(base::ParseBug("no_such_bug"));
  // Every bug mode of docs/bugs.md is in the catalogue, once.
  for (const auto& b : base::AllBugs()) {
    INFO(b.name);
    CHECK(std::count_if(Catalogue().begin(), Catalogue().end(),
                        [&](const CatalogueEntry& c) { return c.bug == b.bug; }) == 1);
  }
  CHECK(base::ActiveBugs() == 0);
}

TEST_CASE("docs/bugs.md carries the catalogue generated from the registry") {
  std::ifstream in("docs/bugs.md");
  REQUIRE(in.good());
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO("regenerate with: bazel run //:mqsim -- list-bugs --markdown\n" << CatalogueMarkdown());
  CHECK(doc.find(CatalogueMarkdown()) != std::string::npos);
}

}  // namespace
}  // namespace mqsim::scenarios
