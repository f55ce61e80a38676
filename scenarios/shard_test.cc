// The sharding contract and the merge of shard files.
#include "scenarios/shard.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "scenarios/cluster_jobs.h"
#include "scenarios/collect.h"

namespace mqsim::scenarios {

namespace {

// A fresh directory under the test's temporary directory.
std::string FreshDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/" + name + "-" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Whether collecting dir fails with an error that says `what`.
bool CollectFails(const std::string& dir, const std::string& what) {
  absl::StatusOr<CollectedSweep> c = CollectShards(dir);
  const std::string message(c.status().message());
  INFO(message);
  return !c.ok() && message.find(what) != std::string::npos;
}

nlohmann::json Run(uint64_t seed, bool pass = true) {
  nlohmann::json j = {{"scenario", "s"},
                      {"seed", seed},
                      {"result", pass ? "pass" : "fail"},
                      {"expected", pass},
                      {"hash", "abc" + std::to_string(seed)},
                      {"sim_time_ns", 60'000'000'000},
                      {"wall_seconds", 0.5}};
  if (!pass)
    j["property"] = "durability", j["repro"] = "mqsim run s --seed " + std::to_string(seed);
  return j;
}

// Writes every shard of seeds over `count` shards; `skip` shards are left out.
void WriteSweep(const std::string& dir, const SeedRange& seeds, uint64_t count,
                std::vector<uint64_t> skip = {}) {
  for (uint64_t i = 0; i < count; ++i) {
    if (std::find(skip.begin(), skip.end(), i) != skip.end()) continue;
    absl::StatusOr<ShardWriter> w = ShardWriter::Open(dir, "s", seeds, Shard{i, count});
    REQUIRE(w.ok());
    if (const auto mine = ShardSeeds(seeds, Shard{i, count})) {
      for (uint64_t s = mine->first; s <= mine->last; ++s) w->Add(Run(s, s != 7));
    }
    REQUIRE(w->Finish().ok());
  }
}

}  // namespace

TEST_CASE("Shards cover a seed range exactly once, in order, in contiguous slices") {
  for (uint64_t n : {1, 2, 7, 200, 1000}) {
    for (uint64_t k : {1, 2, 3, 4, 16, 300}) {
      const SeedRange all{5, 5 + n - 1};
      uint64_t next = all.first;
      for (uint64_t i = 0; i < k; ++i) {
        const std::optional<SeedRange> s = ShardSeeds(all, Shard{i, k});
        if (!s) continue;
        CHECK(s->first == next);
        CHECK(s->count() >= n / k);
        CHECK(s->count() <= n / k + 1);
        next = s->last + 1;
      }
      CHECK(next == all.last + 1);
    }
  }
  // The whole 64-bit range does not overflow.
  const SeedRange huge{1, UINT64_MAX};
  CHECK(ShardSeeds(huge, Shard{2, 3})->last == UINT64_MAX);
}

TEST_CASE("A shard is I/N, or comes from a scheduler's environment") {
  CHECK(ParseShard("0/1").ok());
  CHECK(ParseShard("3/4")->index == 3);
  for (const char* bad : {"4/4", "1/0", "-1/2", "1", "a/b", "1/2/3", " 1/2", "1/2 "}) {
    INFO(bad);
    CHECK_FALSE(ParseShard(bad).ok());
  }
  std::map<std::string, std::string> env;
  auto get = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  CHECK_FALSE(ShardFromEnv(get).ok());  // nothing set: the error names the variables
  env = {{"SLURM_ARRAY_TASK_ID", "12"},
         {"SLURM_ARRAY_TASK_MIN", "10"},
         {"SLURM_ARRAY_TASK_COUNT", "4"}};
  CHECK(ShardFromEnv(get)->index == 2);
  CHECK(ShardFromEnv(get)->count == 4);
  env["SLURM_ARRAY_TASK_ID"] = "9";  // below the array's first task
  CHECK_FALSE(ShardFromEnv(get).ok());
  env = {{"JOB_COMPLETION_INDEX", "5"}, {"MQSIM_SHARDS", "8"}};
  CHECK(ShardFromEnv(get)->index == 5);
  env = {{"JOB_COMPLETION_INDEX", "5"}};  // the manifest must say how many
  CHECK_FALSE(ShardFromEnv(get).ok());
  env = {{"TEST_SHARD_INDEX", "1"}, {"TEST_TOTAL_SHARDS", "2"}};
  CHECK(ShardFromEnv(get)->count == 2);
}

TEST_CASE("Collect merges every shard of one sweep, in seed order") {
  const std::string dir = FreshDir("collect-ok");
  WriteSweep(dir, SeedRange{1, 10}, 3);
  absl::StatusOr<CollectedSweep> c = CollectShards(dir);
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  CHECK(c->runs.size() == 10);
  for (size_t i = 0; i < c->runs.size(); ++i) CHECK(c->runs[i]["seed"] == i + 1);
  CHECK(c->passed == 9);
  CHECK(c->failed == 1);
  CHECK(c->unexpected == 1);
  CHECK(SummaryJson(*c)["runs"][6]["repro"] == "mqsim run s --seed 7");
  CHECK(SummaryJUnit(*c).find("<failure message=\"durability\">") != std::string::npos);
  // The summary page: every seed, the failure first, its hash and simulated time.
  absl::StatusOr<std::string> html = SummaryHtml(*c);
  REQUIRE(html.ok());
  CHECK(html->find("s: 9 passed, 1 failed") != std::string::npos);
  CHECK(html->find("abc7") < html->find("abc1<"));
  CHECK(html->find("fail durability") != std::string::npos);
  CHECK(html->find("1m00s") != std::string::npos);
  // More shards than seeds: the empty shards are files too.
  const std::string few = FreshDir("collect-few");
  WriteSweep(few, SeedRange{1, 2}, 5);
  CHECK(CollectShards(few)->runs.size() == 2);
}

TEST_CASE("Collect refuses a missing, unfinished or foreign shard and misplaced seeds") {
  const std::string missing = FreshDir("collect-missing");
  WriteSweep(missing, SeedRange{1, 10}, 3, {1});
  CHECK(CollectFails(missing, "shard-1-of-3.jsonl is missing"));

  const std::string unfinished = FreshDir("collect-unfinished");
  WriteSweep(unfinished, SeedRange{1, 10}, 2);
  std::ofstream(unfinished + "/shard-1-of-2.jsonl") << Run(6).dump() << "\n";
  CHECK(CollectFails(unfinished, "unfinished"));

  const std::string foreign = FreshDir("collect-foreign");
  WriteSweep(foreign, SeedRange{1, 10}, 2);
  const std::string other = FreshDir("collect-other");
  WriteSweep(other, SeedRange{1, 12}, 2);
  std::filesystem::copy_file(other + "/shard-1-of-2.jsonl", foreign + "/shard-1-of-2.jsonl",
                             std::filesystem::copy_options::overwrite_existing);
  CHECK(CollectFails(foreign, "another sweep"));

  const std::string mixed = FreshDir("collect-mixed");
  WriteSweep(mixed, SeedRange{1, 10}, 2);
  WriteSweep(mixed, SeedRange{1, 10}, 3);
  CHECK(CollectFails(mixed, "shards"));

  const std::string wrong = FreshDir("collect-wrong-seed");
  absl::StatusOr<ShardWriter> w = ShardWriter::Open(wrong, "s", SeedRange{1, 4}, Shard{0, 1});
  REQUIRE(w.ok());
  for (uint64_t s : {1, 2, 2, 4}) w->Add(Run(s));
  REQUIRE(w->Finish().ok());
  CHECK(CollectFails(wrong, "seed 2 where its shard has seed 3"));
}

TEST_CASE("The Slurm script and the Kubernetes manifest run each shard with --shard env") {
  ShardedSweep s{.mqsim = "/opt/mq sim/mqsim",
                 .scenario = "/home/o'neil/x.yaml",
                 .seeds = SeedRange{1, 1000},
                 .shards = 8,
                 .out_dir = "/shared/out",
                 .extra_args = {"--bug=latest_prefix"}};
  const std::string script = SbatchScript(s, "batch");
  CHECK(script.find("#SBATCH --array=0-7\n") != std::string::npos);
  CHECK(script.find("#SBATCH --partition=batch\n") != std::string::npos);
  CHECK(script.find("exec '/opt/mq sim/mqsim' 'sweep' '/home/o'\\''neil/x.yaml' '--seeds' "
                    "'1..1000' '--shard' 'env' '--out' '/shared/out' '--jobs' '1' "
                    "'--bug=latest_prefix'\n") != std::string::npos);
  const YAML::Node job = YAML::Load(K8sIndexedJob(s, "registry/mqsim:1", "results", 3));
  CHECK(job["kind"].as<std::string>() == "Job");
  CHECK(job["spec"]["completionMode"].as<std::string>() == "Indexed");
  CHECK(job["spec"]["completions"].as<int>() == 8);
  CHECK(job["spec"]["parallelism"].as<int>() == 3);
  const YAML::Node c = job["spec"]["template"]["spec"]["containers"][0];
  CHECK(c["image"].as<std::string>() == "registry/mqsim:1");
  CHECK(c["args"][1].as<std::string>() == "/home/o'neil/x.yaml");
  CHECK(c["args"][5].as<std::string>() == "env");
  CHECK(c["env"][0]["name"].as<std::string>() == "MQSIM_SHARDS");
  CHECK(c["env"][0]["value"].as<std::string>() == "8");
  CHECK(c["volumeMounts"][0]["mountPath"].as<std::string>() == "/shared/out");
}

}  // namespace mqsim::scenarios
