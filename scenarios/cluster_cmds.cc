#include "scenarios/cluster_cmds.h"

#include <filesystem>
#include <fstream>
#include <iostream>

#include "scenarios/collect.h"
#include "scenarios/exit_codes.h"

namespace mqsim::scenarios {

namespace {
constexpr int kPass = kExitPass;
constexpr int kFail = kExitFail;
constexpr int kBadInput = kExitBadInput;
}  // namespace

int SubmitSlurmCmd(const ShardedSweep& s, const std::string& partition, bool wait, bool json) {
  std::error_code ec;
  std::filesystem::create_directories(s.out_dir, ec);
  const std::string script = s.out_dir + "/mqsim-sweep.sbatch";
  std::ofstream(script) << SbatchScript(s, partition);
  if (ec || !std::filesystem::is_regular_file(script)) {
    std::cerr << "mqsim: cannot write " << script << "\n";
    return kBadInput;
  }
  std::vector<std::string> argv = {"sbatch", "--parsable"};
  if (wait) argv.push_back("--wait");
  argv.push_back(script);
  absl::StatusOr<CommandResult> r = RunCommand(argv);
  if (!r.ok()) {
    std::cerr << "mqsim: " << std::string(r.status().message())
              << " (is this a Slurm submit host? tools/slurm_cluster.sh starts a local one)\n";
    return kBadInput;
  }
  const std::string job = r->out.substr(0, r->out.find_first_of(";\n"));
  if (job.empty() || (r->exit_code != 0 && !wait)) {
    std::cerr << "mqsim: sbatch " << script << " failed (exit " << r->exit_code << ")\n";
    return kBadInput;
  }
  std::cerr << "submitted Slurm job " << job << ": " << s.shards << " tasks over seeds "
            << s.seeds.ToString() << " (script " << script << ")\n";
  if (!wait) {
    std::cout << job << "\nwhen it has finished: mqsim collect " << s.out_dir << "\n";
    return kPass;
  }
  return CollectCmd(s.out_dir, json);  // a failed task shows as a missing shard
}

int CollectCmd(const std::string& dir, bool json) {
  absl::StatusOr<CollectedSweep> c = CollectShards(dir);
  if (!c.ok()) {
    std::cerr << "mqsim: collect: " << std::string(c.status().message()) << "\n";
    return kBadInput;
  }
  const nlohmann::json summary = SummaryJson(*c);
  std::ofstream(dir + "/summary.json") << summary.dump(2) << "\n";
  std::ofstream(dir + "/junit.xml") << SummaryJUnit(*c);
  absl::StatusOr<std::string> html = SummaryHtml(*c);
  if (!html.ok()) {
    std::cerr << "mqsim: collect: " << std::string(html.status().message()) << "\n";
    return kBadInput;
  }
  std::ofstream(dir + "/index.html") << *html;
  if (json) {
    std::cout << summary.dump() << "\n";
  } else {
    for (const nlohmann::json& r : c->runs) {
      if (r.value("result", "") == "pass") continue;
      std::cout << "FAIL seed " << r["seed"].get<uint64_t>() << ": " << r.value("property", "")
                << ": " << r.value("detail", "") << "\nREPRO: " << r.value("repro", "") << "\n";
    }
    std::cout << c->scenario << ": " << c->passed << " passed, " << c->failed << " failed, "
              << c->unexpected << " unexpected (" << c->shards << " shards, seeds "
              << c->seeds.ToString() << ", mqsim " << c->mqsim << ")\n";
  }
  std::cerr << "summary: " << dir << "/summary.json, " << dir << "/junit.xml, " << dir
            << "/index.html\n";
  return c->unexpected == 0 ? kPass : kFail;
}

int K8sJobCmd(const ShardedSweep& s, const std::string& image, const std::string& claim,
              uint64_t parallelism) {
  std::cout << K8sIndexedJob(s, image, claim, parallelism);
  return kPass;
}

}  // namespace mqsim::scenarios
