#include "scenarios/collect.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "scenarios/html_report.h"
#include "scenarios/report.h"

namespace mqsim::scenarios {

namespace {

// One shard file: its runs and its trailer, or an error naming the file and line.
struct ShardFile {
  std::string path;
  Shard shard;
  std::vector<nlohmann::json> runs;
  nlohmann::json trailer;
};

absl::StatusOr<ShardFile> ReadShardFile(const std::string& path, const Shard& shard) {
  ShardFile f{path, shard, {}, {}};
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(path + ": cannot read");
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      return absl::InvalidArgumentError(path + ":" + std::to_string(n) + ": not a JSON object");
    }
    if (j.contains("shard_trailer")) {
      f.trailer = std::move(j);
    } else if (!f.trailer.is_null()) {
      return absl::InvalidArgumentError(path + ":" + std::to_string(n) + ": a line after the end");
    } else if (!j.contains("seed") || !j["seed"].is_number_unsigned() || !j.contains("result")) {
      return absl::InvalidArgumentError(path + ":" + std::to_string(n) + ": not a run's result");
    } else {
      f.runs.push_back(std::move(j));
    }
  }
  if (f.trailer.is_null()) {
    return absl::InvalidArgumentError(path +
                                      ": unfinished (no closing line): the shard did not "
                                      "complete");
  }
  return f;
}

// Every shard file in dir, by index; an error when two disagree on the shard count.
absl::StatusOr<std::map<uint64_t, ShardFile>> ReadShardFiles(const std::string& dir) {
  static const std::regex name(R"(shard-(\d+)-of-(\d+)\.jsonl)");
  std::map<uint64_t, ShardFile> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::smatch m;
    const std::string file = entry.path().filename().string();
    if (!std::regex_match(file, m, name)) continue;
    absl::StatusOr<Shard> shard = ParseShard(m[1].str() + "/" + m[2].str());
    if (!shard.ok()) return absl::InvalidArgumentError(entry.path().string() + ": bad shard name");
    if (!files.empty() && files.begin()->second.shard.count != shard->count) {
      return absl::InvalidArgumentError(dir + ": shard files of " +
                                        std::to_string(files.begin()->second.shard.count) +
                                        " and of " + std::to_string(shard->count) + " shards");
    }
    absl::StatusOr<ShardFile> f = ReadShardFile(entry.path().string(), *shard);
    if (!f.ok()) return f.status();
    files.emplace(shard->index, *std::move(f));
  }
  if (ec) return absl::NotFoundError(dir + ": " + ec.message());
  if (files.empty()) return absl::NotFoundError(dir + ": no shard-I-of-N.jsonl files");
  return files;
}

// Checks one shard's trailer against the sweep and its runs against its slice.
absl::Status CheckShard(const ShardFile& f, const CollectedSweep& c) {
  const nlohmann::json& t = f.trailer;
  if (t.value("scenario", "") != c.scenario || t.value("seeds", "") != c.seeds.ToString() ||
      t.value("mqsim", "") != c.mqsim) {
    return absl::InvalidArgumentError(
        f.path + ": from another sweep (scenario " + t.value("scenario", "?") + ", seeds " +
        t.value("seeds", "?") + ", mqsim " + t.value("mqsim", "?") + ")");
  }
  const std::optional<SeedRange> mine = ShardSeeds(c.seeds, f.shard);
  const uint64_t want = mine ? mine->count() : 0;
  if (f.runs.size() != want) {
    return absl::InvalidArgumentError(f.path + ": " + std::to_string(f.runs.size()) +
                                      " runs, its shard has " + std::to_string(want) + " seeds");
  }
  for (size_t k = 0; k < f.runs.size(); ++k) {
    const uint64_t seed = f.runs[k]["seed"].get<uint64_t>();
    if (seed != mine->first + k) {
      return absl::InvalidArgumentError(f.path + ": seed " + std::to_string(seed) +
                                        " where its shard has seed " +
                                        std::to_string(mine->first + k));
    }
  }
  return absl::OkStatus();
}

}  // namespace

ShardWriter::ShardWriter(std::string dir, std::string scenario, SeedRange all, Shard shard)
    : dir_(std::move(dir)), scenario_(std::move(scenario)), all_(all), shard_(shard) {}

absl::StatusOr<ShardWriter> ShardWriter::Open(const std::string& dir, const std::string& scenario,
                                              const SeedRange& all, const Shard& shard) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    return absl::InvalidArgumentError("--out " + dir + ": cannot create the directory");
  }
  return ShardWriter(dir, scenario, all, shard);
}

void ShardWriter::Add(const nlohmann::json& run) {
  lines_ += run.dump() + "\n";
  ++runs_;
}

absl::Status ShardWriter::Finish() {
  const nlohmann::json trailer = {{"shard_trailer", true},          {"scenario", scenario_},
                                  {"seeds", all_.ToString()},       {"shard", shard_.index},
                                  {"shards", shard_.count},         {"runs", runs_},
                                  {"mqsim", std::string(Version())}};
  const std::string path = dir_ + "/" + ShardFileName(shard_);
  const std::string tmp = dir_ + "/." + ShardFileName(shard_) + ".tmp";
  {
    std::ofstream out(tmp);
    out << lines_ << trailer.dump() << "\n";
    if (!out) return absl::InternalError(tmp + ": cannot write");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return absl::InternalError(path + ": " + ec.message());
  return absl::OkStatus();
}

absl::StatusOr<CollectedSweep> CollectShards(const std::string& dir) {
  absl::StatusOr<std::map<uint64_t, ShardFile>> files = ReadShardFiles(dir);
  if (!files.ok()) return files.status();
  CollectedSweep c;
  const nlohmann::json& first = files->begin()->second.trailer;
  c.scenario = first.value("scenario", "");
  c.mqsim = first.value("mqsim", "");
  c.shards = files->begin()->second.shard.count;
  absl::StatusOr<SeedRange> seeds = ParseSeedRange(first.value("seeds", ""));
  if (!seeds.ok()) return absl::InvalidArgumentError(files->begin()->second.path + ": bad seeds");
  c.seeds = *seeds;
  for (uint64_t i = 0; i < c.shards; ++i) {
    auto it = files->find(i);
    if (it == files->end()) {
      return absl::NotFoundError(dir + ": " + ShardFileName(Shard{i, c.shards}) +
                                 " is missing: that shard did not finish");
    }
    if (absl::Status s = CheckShard(it->second, c); !s.ok()) return s;
    for (nlohmann::json& run : it->second.runs) {
      (run.value("result", "") == "pass" ? c.passed : c.failed)++;
      if (!run.value("expected", true)) ++c.unexpected;
      c.runs.push_back(std::move(run));
    }
  }
  return c;
}

nlohmann::json SummaryJson(const CollectedSweep& c) {
  nlohmann::json runs = nlohmann::json::array();
  for (const nlohmann::json& r : c.runs) {
    nlohmann::json row{{"seed", r["seed"]}, {"result", r["result"]}, {"hash", r.value("hash", "")}};
    if (r.contains("property")) row["property"] = r["property"];
    if (r.contains("repro")) row["repro"] = r["repro"];
    runs.push_back(std::move(row));
  }
  return {{"scenario", c.scenario},     {"seeds", c.seeds.ToString()}, {"shards", c.shards},
          {"mqsim", c.mqsim},           {"passed", c.passed},          {"failed", c.failed},
          {"unexpected", c.unexpected}, {"runs", std::move(runs)}};
}

std::string SummaryJUnit(const CollectedSweep& c) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites><testsuite name=\"" +
                    EscapeMarkup("mqsim sweep " + c.scenario) + "\" tests=\"" +
                    std::to_string(c.runs.size()) + "\" failures=\"" +
                    std::to_string(c.unexpected) + "\">\n";
  for (const nlohmann::json& r : c.runs) {
    out += "  <testcase classname=\"" + EscapeMarkup(c.scenario) + "\" name=\"seed " +
           std::to_string(r["seed"].get<uint64_t>()) + "\">";
    if (!r.value("expected", true)) {
      const std::string what =
          r.value("result", "") == "pass" ? "unexpected pass" : r.value("property", "");
      out += "<failure message=\"" + EscapeMarkup(what) + "\">" +
             EscapeMarkup(r.value("detail", "") + "\nREPRO: " + r.value("repro", "")) +
             "</failure>";
    }
    out += "</testcase>\n";
  }
  return out + "</testsuite></testsuites>\n";
}

absl::StatusOr<std::string> SummaryHtml(const CollectedSweep& c) {
  std::vector<SweepRow> rows;
  for (const nlohmann::json& run : c.runs) {
    const uint64_t seed = run.value("seed", uint64_t{0});
    absl::StatusOr<RunResult> r = ResultFromRunJson(run);
    if (!r.ok()) {
      return absl::InvalidArgumentError("seed " + std::to_string(seed) + ": " +
                                        std::string(r.status().message()));
    }
    rows.push_back(SweepRow{seed, std::move(*r)});
  }
  Scenario named;
  named.name = c.scenario;
  return SweepSummaryHtml(named, rows, {});
}

}  // namespace mqsim::scenarios
