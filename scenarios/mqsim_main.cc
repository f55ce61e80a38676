// mqsim: the command line.
//
//   mqsim                                        the embedded default: every stock scenario
//                                                over seeds 1..3, a summary table
//   mqsim run FILE [--seed N] [--trace PATH] [--json]
//   mqsim sweep FILE --seeds A..B [--jobs N] [--json]
//   mqsim replay FILE --seed N --trace PATH [--chrome-trace PATH]
//                                                the same execution, with a full trace
//   mqsim check-determinism FILE --seeds A..B     each seed twice, first divergent step
//   mqsim shrink FILE --seed N [--out PATH]       minimise a failure to a smaller scenario
//   mqsim list                                   the embedded scenarios
//   mqsim list-bugs                              the bug modes; --bug NAME switches one on
//   mqsim demo [--seed N]                        the simulator's self-demo
//
// FILE is a path, or the name of an embedded scenario ("rocksmq-retention"). Every run
// ends with one line "RESULT pass|fail seed=N property=NAME sim_time=... steps=...
// hash=HEX", and every failure with "REPRO: <one command>" that verifies its hash. Exit
// codes: 0 pass, 1 a property failed, 2 bad input, 3 --expect-hash not reproduced.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/bug_modes.h"
#include "base/did_you_mean.h"
#include "scenarios/bug_catalogue.h"
#include "scenarios/cluster_cmds.h"
#include "scenarios/collect.h"
#include "scenarios/coverage.h"
#include "scenarios/driver.h"
#include "scenarios/embedded.h"
#include "scenarios/exit_codes.h"
#include "scenarios/html_report.h"
#include "scenarios/progress.h"
#include "scenarios/report.h"
#include "scenarios/runner.h"
#include "scenarios/scenario.h"
#include "scenarios/shard.h"
#include "scenarios/shrink.h"
#include "scenarios/supervisor.h"
#include "sim/chrome_trace.h"
#include "sim/determinism.h"
#include "sim/self_demo.h"

namespace {

using mqsim::scenarios::ReadEmbedded;

using mqsim::scenarios::BazelTestRepro;
using mqsim::scenarios::Expected;
using mqsim::scenarios::Hex;
using mqsim::scenarios::LoadScenario;
using mqsim::scenarios::Progress;
using mqsim::scenarios::ReproCommand;
using mqsim::scenarios::ResultLine;
using mqsim::scenarios::RunJson;
using mqsim::scenarios::RunOptions;
using mqsim::scenarios::RunResult;
using mqsim::scenarios::Scenario;

constexpr int kPass = mqsim::scenarios::kExitPass;
constexpr int kFail = mqsim::scenarios::kExitFail;
constexpr int kBadInput = mqsim::scenarios::kExitBadInput;
constexpr int kNotReproduced = mqsim::scenarios::kExitNotReproduced;

// The bug modes of this invocation (--bug), and how to say them again in a REPRO line.
uint64_t g_bugs = 0;
std::string BugFlags() {
  std::string out;
  for (const auto& b : mqsim::base::AllBugs()) {
    if (g_bugs & mqsim::base::BugMask(b.bug)) out += " --bug " + std::string(b.name);
  }
  return out;
}

// `bazel run` starts binaries in their runfiles tree; user paths are relative to where
// the user ran bazel.
std::string UserDir() {
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  return cwd == nullptr ? "" : cwd;
}
std::string UserPath(const std::string& path) {
  if (path.empty() || path[0] == '/' || UserDir().empty()) return path;
  return UserDir() + "/" + path;
}

// The helm values --set of this invocation (repeatable), applied after the scenario's own.
std::vector<std::string> g_set;

absl::StatusOr<Scenario> Load(const std::string& arg) {
  return mqsim::scenarios::LoadScenarioArg(arg, UserDir(), g_set);
}

void PrintRun(const Scenario& sc, const RunResult& r, uint64_t seed, bool json) {
  if (json) {
    std::cout << RunJson(sc, r, seed, g_bugs).dump() << "\n";
    return;
  }
  std::cout << "scenario " << sc.name << " on " << r.store << ", seed " << seed << "\n"
            << "  faults   " << r.plan << "\n"
            << "  workload ";
  if (r.property == mqsim::properties::Name(mqsim::properties::Property::kEngineCrash)) {
    std::cout << "(not known: the run died)\n";
  } else {
    std::cout << r.acked << " acknowledged, " << r.consumed << " consumed, " << r.crashes
              << " crashes\n";
  }
  if (!r.pass) std::cout << "  FAILED   " << r.detail << "\n";
  if (!sc.expect_failure.empty()) {
    std::cout << "  expected to fail " << sc.expect_failure << ": "
              << (Expected(sc, r) ? "it did" : "it did NOT") << "\n";
  }
  std::cout << ResultLine(r, seed) << "\n";
  if (!r.pass) {
    std::cout << "REPRO: " << ReproCommand(sc, seed, g_bugs, r) << "\n";
    const std::string bazel = BazelTestRepro(sc, seed, g_bugs);
    if (!bazel.empty()) std::cout << "REPRO (bazel test): " << bazel << "\n";
  }
}

// Fans one trace out to the JSONL and the Chrome/Perfetto writers.
class Tee : public mqsim::sim::TraceSink {
 public:
  void Add(mqsim::sim::TraceSink* s) { sinks_.push_back(s); }
  void Write(const mqsim::sim::TraceEvent& e) override {
    for (auto* s : sinks_) s->Write(e);
  }
  bool empty() const { return sinks_.empty(); }

 private:
  std::vector<mqsim::sim::TraceSink*> sinks_;
};

// Compares a run, event by event, with the JSONL trace of an earlier run (--expect-trace):
// the first step whose running hash differs is where the two runs part.
class TraceComparer : public mqsim::sim::TraceSink {
 public:
  explicit TraceComparer(const std::string& path) : in_(path) {}
  bool readable() const { return in_.good(); }
  void Write(const mqsim::sim::TraceEvent& e) override {
    if (!divergence_.empty()) return;
    std::string line;
    if (!std::getline(in_, line)) {
      divergence_ = "step " + std::to_string(e.step) +
                    ": the expected trace ends before it\n  got:      " + e.ToString();
      return;
    }
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    const std::string want = j.is_object() ? j.value("hash", "") : "";
    if (want == Hex(e.hash_after)) return;
    divergence_ = "step " + std::to_string(e.step) +
                  " is the first that differs\n  expected: " + line +
                  "\n  got:      " + e.ToString();
  }
  // Empty when every event matched and the expected trace has nothing more.
  std::string Divergence() {
    std::string rest;
    if (divergence_.empty() && std::getline(in_, rest) && !rest.empty()) {
      return "the run ended before the expected trace did; it goes on with\n  " + rest;
    }
    return divergence_;
  }

 private:
  std::ifstream in_;
  std::string divergence_;
};

// How run and replay execute one seed.
struct RunFlags {
  std::string expect_trace;  // --expect-trace: an earlier run's JSONL, compared step by step
  std::string trace_path, chrome_path, report_path;
  bool json = false;
  bool coverage = false;                // sweep --coverage
  bool in_process = false;              // not supervised (for a debugger)
  std::optional<uint64_t> expect_hash;  // --expect-hash: verify the reproduction
};

// The HTML report of a finished run (scenarios/html_report.h).
void WriteReport(const Scenario& sc, uint64_t seed, const RunResult& r,
                 const mqsim::properties::History& history,
                 const std::vector<mqsim::scenarios::DiskSample>& disk,
                 mqsim::scenarios::FaultMarks& marks, const std::string& path) {
  const mqsim::scenarios::ReportInput in{sc,
                                         seed,
                                         r,
                                         history,
                                         disk,
                                         marks.Finish(r.sim_time.nanos()),
                                         r.pass ? "" : ReproCommand(sc, seed, g_bugs, r)};
  std::ofstream(UserPath(path)) << mqsim::scenarios::HtmlReport(in);
}

// The run itself, in the process that executes it: the trace and report files are written
// here.
RunResult RunWithTraces(const Scenario& sc, uint64_t seed, const RunFlags& f) {
  mqsim::sim::Trace trace;
  std::ofstream jsonl_out, chrome_out;
  std::unique_ptr<mqsim::sim::JsonlTraceWriter> jsonl;
  std::unique_ptr<mqsim::sim::ChromeTraceWriter> chrome;
  mqsim::scenarios::FaultMarks marks;
  Tee tee;
  if (!f.trace_path.empty()) {
    jsonl_out.open(UserPath(f.trace_path));
    jsonl = std::make_unique<mqsim::sim::JsonlTraceWriter>(jsonl_out);
    tee.Add(jsonl.get());
  }
  if (!f.chrome_path.empty()) {
    chrome_out.open(UserPath(f.chrome_path));
    chrome = std::make_unique<mqsim::sim::ChromeTraceWriter>(chrome_out);
    tee.Add(chrome.get());
  }
  if (!f.report_path.empty()) tee.Add(&marks);
  std::unique_ptr<TraceComparer> compare;
  if (!f.expect_trace.empty()) {
    compare = std::make_unique<TraceComparer>(UserPath(f.expect_trace));
    tee.Add(compare.get());
  }
  if (!tee.empty()) trace.set_sink(&tee);
  mqsim::properties::History history;
  std::vector<mqsim::scenarios::DiskSample> disk;
  mqsim::scenarios::SimProgress progress(sc.name + " seed " + std::to_string(seed));
  mqsim::scenarios::RunWatch watch;
  watch.progress = [&progress](auto now, auto duration) { progress.At(now, duration); };
  if (!f.report_path.empty()) watch.history = &history, watch.disk = &disk;
  RunResult r = mqsim::scenarios::RunScenario(sc, RunOptions{seed, &trace, g_bugs}, &watch);
  progress.Clear();
  if (chrome) chrome->SetRunInfo(seed, r.hash, r.pass ? "pass" : "fail " + r.property);
  if (compare) {
    const std::string divergence = compare->Divergence();
    std::cout << (divergence.empty() ? "trace: every step as in " + f.expect_trace
                                     : "trace: NOT REPRODUCED: " + divergence)
              << std::endl;
  }
  chrome.reset();  // closes its JSON array
  if (!f.report_path.empty()) WriteReport(sc, seed, r, history, disk, marks, f.report_path);
  return r;
}

bool Writable(const std::string& path) {
  if (path.empty()) return true;
  std::ofstream probe(UserPath(path));
  if (probe) return true;
  std::cerr << "mqsim: cannot write trace file " << path << "\n";
  return false;
}

// Whether the run reproduced the expected hash; says so either way.
bool Reproduced(const RunResult& r, uint64_t expected, bool json) {
  const bool same = r.hash == expected;
  if (json) return same;
  if (same) {
    std::cout << "reproduced: hash " << Hex(r.hash) << " as expected (mqsim "
              << mqsim::scenarios::Version() << ")\n";
  } else {
    std::cout << "NOT REPRODUCED: hash " << Hex(r.hash) << " after " << r.steps
              << " steps, expected " << Hex(expected) << " (mqsim " << mqsim::scenarios::Version()
              << "): another build, scenario file or bug mode; --expect-trace FILE (the original "
                 "run's --trace) names the first step that differs\n";
  }
  return same;
}

// One seed, supervised (an engine crash is a verdict) unless in_process (for a debugger).
int RunOne(const Scenario& sc, uint64_t seed, const RunFlags& f) {
  if (!Writable(f.trace_path) || !Writable(f.chrome_path) || !Writable(f.report_path)) {
    return kBadInput;
  }
  auto body = [&] { return RunWithTraces(sc, seed, f); };
  const RunOptions options{seed, nullptr, g_bugs};
  const RunResult r = f.in_process ? body() : mqsim::scenarios::RunSupervised(sc, options, body);
  if (!f.report_path.empty() &&
      r.property == mqsim::properties::Name(mqsim::properties::Property::kEngineCrash)) {
    // The child died before writing its report: this one has the verdict and its evidence
    // (the last trace events) but no timeline.
    mqsim::scenarios::FaultMarks none;
    WriteReport(sc, seed, r, mqsim::properties::History(), {}, none, f.report_path);
  }
  PrintRun(sc, r, seed, f.json);
  if (!f.trace_path.empty() && !f.json) std::cout << "trace: " << f.trace_path << " (JSONL)\n";
  if (!f.chrome_path.empty() && !f.json) {
    std::cout << "trace: " << f.chrome_path << " (open in ui.perfetto.dev)\n";
  }
  if (!f.report_path.empty() && !f.json) std::cout << "report: " << f.report_path << " (HTML)\n";
  if (f.expect_hash && !Reproduced(r, *f.expect_hash, f.json)) return kNotReproduced;
  // The truth, expected or not: a failed property is exit 1 (sweeps judge expectations).
  return r.pass ? kPass : kFail;
}

// A sweep's HTML: DIR/index.html with every seed, and DIR/seed-N.html for each failure (the
// first 20), written by running those seeds again (the same executions).
void WriteSweepReports(const Scenario& sc, const std::vector<mqsim::scenarios::SweepRow>& rows,
                       const std::string& dir, bool failure_reports) {
  std::filesystem::create_directories(UserPath(dir));
  std::map<uint64_t, std::string> reports;
  for (const auto& row : rows) {
    if (!failure_reports || row.result.pass || reports.size() >= 20) continue;
    RunFlags f;
    f.report_path = dir + "/seed-" + std::to_string(row.seed) + ".html";
    (void)mqsim::scenarios::RunSupervised(sc, RunOptions{row.seed, nullptr, g_bugs},
                                          [&] { return RunWithTraces(sc, row.seed, f); });
    reports[row.seed] = "seed-" + std::to_string(row.seed) + ".html";
  }
  std::ofstream(UserPath(dir + "/index.html"))
      << mqsim::scenarios::SweepSummaryHtml(sc, rows, reports);
  std::cerr << "report: " << dir << "/index.html\n";
}

// What a sweep has seen, and how it says so at the end.
struct SweepTally {
  uint64_t passed = 0, failed = 0, unexpected = 0;
  std::vector<std::string> failures;  // FAIL and REPRO lines (text output)
  int stopped_by = 0;                 // the signal that interrupted the sweep, or 0

  void Print(const Scenario& sc, uint64_t seeds, bool json) const {
    const std::string stop = stopped_by == 0 ? "" : "SIG" + std::string(sigabbrev_np(stopped_by));
    if (json) {
      nlohmann::json j{{"summary", true},
                       {"scenario", sc.name},
                       {"seeds", seeds},
                       {"passed", passed},
                       {"failed", failed},
                       {"unexpected", unexpected},
                       {"mqsim", std::string(mqsim::scenarios::Version())}};
      if (!stop.empty()) j["interrupted"] = stop;
      std::cout << j.dump() << "\n";
      return;
    }
    for (const std::string& f : failures) std::cout << f;
    if (!stop.empty()) {
      std::cout << "interrupted by " << stop << " after " << passed + failed << " of " << seeds
                << " seeds (in order; the runs under way were stopped)\n";
    }
    std::cout << sc.name << ": " << passed << " passed, " << failed << " failed";
    if (!sc.expect_failure.empty()) std::cout << " (expected to fail " << sc.expect_failure << ")";
    std::cout << ", " << unexpected << " unexpected\n";
  }
  int ExitCode() const {
    if (stopped_by != 0) return 128 + stopped_by;  // as a shell reports a signal
    return unexpected == 0 ? kPass : kFail;
  }
};

// Each seed in a child process (the engines keep process-wide state: libfiu, RocksDB's
// internals), up to `jobs` at a time; results in seed order, each printed (with --json) as
// soon as it and every earlier seed have finished.
// With `shard_out`, every result also goes into the shard's file (scenarios/collect.h).
int Sweep(const Scenario& sc, const mqsim::scenarios::SeedRange& seeds, int jobs, bool json,
          const std::string& report_dir, bool coverage,
          mqsim::scenarios::ShardWriter* shard_out = nullptr) {
  SweepTally tally;
  mqsim::scenarios::CoverageTally covered;
  std::vector<mqsim::scenarios::SweepRow> rows;
  std::optional<Progress> progress(std::in_place, sc.name, seeds.count());
  auto done = [&](uint64_t i, const RunResult& r) {
    const uint64_t seed = seeds.first + i;
    const nlohmann::json j = RunJson(sc, r, seed, g_bugs);
    (r.pass ? tally.passed : tally.failed)++;
    if (!Expected(sc, r)) ++tally.unexpected;
    covered.Add(r.coverage, r.store);
    if (shard_out != nullptr) shard_out->Add(j);
    if (json) {
      std::cout << j.dump() << std::endl;
    } else if (!r.pass) {
      tally.failures.push_back("FAIL seed " + std::to_string(seed) + ": " + r.property + ": " +
                               r.detail + "\nREPRO: " + j.value("repro", "") + "\n");
    }
    if (!report_dir.empty()) rows.push_back({seed, r});
    progress->Done(i + 1);
  };
  tally.stopped_by = mqsim::scenarios::RunMany(
      seeds.count(),
      [&](uint64_t i) {
        return mqsim::scenarios::SweepRun{&sc, seeds.first + i};
      },
      jobs, g_bugs, done);
  progress.reset();  // ends its line
  // An interrupted sweep still gets its summary page, but no failure is run again.
  if (!report_dir.empty()) WriteSweepReports(sc, rows, report_dir, tally.stopped_by == 0);
  if (coverage && json) {
    std::cout
        << nlohmann::json{{"coverage", covered.Totals()}, {"unreached", covered.Unreached()}}.dump()
        << "\n";
  } else if (coverage) {
    std::cout << covered.ToString();
  }
  tally.Print(sc, seeds.count(), json);
  if (shard_out != nullptr && tally.stopped_by == 0) {
    if (absl::Status s = shard_out->Finish(); !s.ok()) {
      std::cerr << "mqsim: " << std::string(s.message()) << "\n";
      return kBadInput;
    }
  }
  return tally.ExitCode();
}

int ShrinkCmd(const std::string& arg, uint64_t seed, const std::string& out_path, int max_runs) {
  absl::StatusOr<mqsim::scenarios::ScenarioSource> src =
      mqsim::scenarios::FindScenario(arg, UserDir());
  if (!src.ok()) {
    std::cerr << "mqsim: " << std::string(src.status().message()) << "\n";
    return kBadInput;
  }
  std::optional<Progress> progress(std::in_place, "shrink (at most)",
                                   static_cast<uint64_t>(max_runs));
  if (!g_set.empty()) {  // the shrunk scenario carries them, as helm_set
    absl::StatusOr<YAML::Node> root = mqsim::base::ParseYaml(src->text, src->file);
    if (!root.ok() || !root->IsMap()) {
      std::cerr << "mqsim: " << src->file << ": not a scenario\n";
      return kBadInput;
    }
    for (const std::string& set : g_set) (*root)["helm_set"].push_back(set);
    src->text = YAML::Dump(*root) + "\n";
  }
  absl::StatusOr<mqsim::scenarios::ShrinkResult> r = mqsim::scenarios::Shrink(
      src->text, src->file, src->base_dir, src->read, seed, max_runs, g_bugs,
      [&progress](int runs) { progress->Done(static_cast<uint64_t>(runs)); });
  progress.reset();  // ends its line
  if (!r.ok()) {
    std::cerr << "mqsim: " << std::string(r.status().message()) << "\n";
    return absl::IsFailedPrecondition(r.status()) ? kPass : kBadInput;
  }
  absl::StatusOr<Scenario> sc = Load(arg);
  const std::string name = sc.ok() ? sc->name : "scenario";
  const std::string path =
      out_path.empty() ? name + "-shrunk-seed" + std::to_string(seed) + ".yaml" : out_path;
  // Files it refers to come along, so the scenario runs from anywhere.
  absl::StatusOr<std::string> yaml =
      mqsim::scenarios::MakeSelfContained(r->yaml, src->base_dir, src->read, UserPath(path));
  if (!yaml.ok()) {
    std::cerr << "mqsim: " << std::string(yaml.status().message()) << "\n";
    return kBadInput;
  }
  std::ofstream out(UserPath(path));
  out << "# Shrunk by `mqsim shrink " << arg << " --seed " << seed << BugFlags() << "` (" << r->runs
      << " runs): still fails " << r->result.property << " with seed " << seed << ".\n";
  for (const std::string& k : r->kept) out << "#   kept: " << k << "\n";
  out << *yaml;
  if (!out) {
    std::cerr << "mqsim: cannot write " << path << "\n";
    return kBadInput;
  }
  std::cout << "shrunk in " << r->runs << " runs, " << r->kept.size() << " reductions kept:\n";
  for (const std::string& k : r->kept) std::cout << "  " << k << "\n";
  std::cout << "minimal scenario: " << path << "\n"
            << ResultLine(r->result, seed) << "\n"
            << "REPRO: bazel run //:mqsim -- run " << path << " --seed " << seed << BugFlags()
            << " --expect-hash " << Hex(r->result.hash) << "  # mqsim "
            << mqsim::scenarios::Version() << "\n";
  return kFail;  // the (smaller) failure is still a failure
}

int CheckDeterminismCmd(const Scenario& sc, const mqsim::scenarios::SeedRange& seeds) {
  int rc = kPass;
  Progress progress(sc.name + " (twice each)", seeds.count());
  for (uint64_t i = 0; i < seeds.count(); ++i) {
    const uint64_t seed = seeds.first + i;
    const mqsim::sim::DeterminismReport report =
        mqsim::sim::CheckDeterminism([&](mqsim::sim::Trace& t) {
          (void)mqsim::scenarios::RunScenario(sc, RunOptions{seed, &t, g_bugs});
        });
    progress.Clear();
    std::cout << sc.name << " seed " << seed << ": " << report.ToString() << std::endl;
    progress.Done(i + 1);
    if (!report.deterministic) {
      rc = kFail;
      std::cout << "REPRO: bazel run //:mqsim -- check-determinism " << sc.file << " --seeds "
                << seed << "\n";
    }
  }
  return rc;
}

int DefaultParallelism() {
  const unsigned cores = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(cores, 1u, 8u));
}

// The embedded default: every stock scenario over seeds 1..3, a summary table.
int DefaultJob() {
  absl::StatusOr<std::vector<Scenario>> stock = mqsim::scenarios::StockScenarios();
  if (!stock.ok()) {
    std::cerr << "mqsim: " << std::string(stock.status().message()) << "\n";
    return kBadInput;
  }
  constexpr uint64_t kSeeds = 3;
  std::printf("%-30s %-8s %-7s %-24s %s\n", "scenario", "store", "seeds", "result",
              "hash of seed 1");
  int rc = kPass;
  int ok = 0;
  std::string store, hash, note;
  Progress progress("stock scenarios", stock->size() * kSeeds);
  auto done = [&](uint64_t i, const RunResult& r) {
    progress.Clear();
    const Scenario& sc = (*stock)[i / kSeeds];
    const uint64_t seed = i % kSeeds + 1;
    if (seed == 1) ok = 0, hash = Hex(r.hash), note.clear();
    store = r.store;
    if (Expected(sc, r)) {
      ++ok;
    } else {
      note = "seed " + std::to_string(seed) + ": " + r.property;
      rc = kFail;
      std::printf("  REPRO: %s\n", ReproCommand(sc, seed, 0, r).c_str());
    }
    if (seed < kSeeds) return progress.Done(i + 1);
    std::string result = std::to_string(ok) + "/3 as expected";
    if (!sc.expect_failure.empty()) result += " (fails)";
    if (!note.empty()) result += " " + note;
    std::printf("%-30s %-8s %-7s %-24s %s\n", sc.name.c_str(), store.c_str(), "1..3",
                result.c_str(), hash.c_str());
    std::fflush(stdout);
    progress.Done(i + 1);
  };
  const int stop = mqsim::scenarios::RunMany(
      stock->size() * kSeeds,
      [&](uint64_t i) {
        return mqsim::scenarios::SweepRun{&(*stock)[i / kSeeds], i % kSeeds + 1};
      },
      DefaultParallelism(), 0, done);
  if (stop != 0) {
    progress.Clear();
    std::printf("interrupted by SIG%s\n", sigabbrev_np(stop));
    return 128 + stop;
  }
  return rc;
}

// Everything the command line can be asked, and the subcommands that ask it.
struct Cli {
  CLI::App app{"mqsim: deterministic simulation and fault injection for message stores"};
  std::string file, out_path, seed_text = "1", seeds = "1..8", expect_hash;
  RunFlags flags;
  bool markdown = false, version = false, allow_long = false;
  int jobs = 2, max_runs = 300;
  std::vector<std::string> bug_names;
  mqsim::sim::SelfDemoOptions demo_options;
  bool verbose = false;
  // Sharded sweeps (scenarios/shard.h): --shard, --out, --slurm; collect; k8s-job.
  std::string shard_text, out_dir, partition, image = "mqsim:latest", claim = "mqsim-results";
  bool slurm = false, wait = false;
  uint64_t shards = 4, parallelism = 4;
  CLI::App *run, *sweep, *replay, *report, *determinism, *list, *list_bugs, *shrink, *demo, *help,
      *config, *collect, *k8s_job;

  Cli();
  void AddRunLike();
  void AddSharding();
  void AddOthers();
  int Dispatch();
  int DispatchScenario();
  int SweepCmd(const Scenario& sc, const mqsim::scenarios::SeedRange& range);
  mqsim::scenarios::ShardedSweep Sharded(const mqsim::scenarios::SeedRange& range) const;
};

Cli::Cli() {
  app.option_defaults()->always_capture_default();  // --help shows each option's default
  app.require_subcommand(0, 1);
  app.add_flag("--version", version, "print the version (the commit mqsim was built from)");
  AddRunLike();
  AddSharding();
  AddOthers();
  for (CLI::App* sub : {run, sweep, replay, report, determinism, shrink, config}) {
    sub->add_option("--set", g_set,
                    "override a helm value as `helm --set` does: KEY=VALUE (repeatable)")
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  }
  for (CLI::App* sub : {run, sweep, replay, report, determinism, shrink}) {
    sub->add_flag("--allow-long", allow_long,
                  "allow a scenario duration over 24h (memory grows with simulated time)");
    // One name per --bug, so `run --bug NAME FILE` leaves FILE to the positional.
    sub->add_option("--bug", bug_names, "switch a bug mode on (repeatable; see list-bugs)")
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  }
}

void Cli::AddRunLike() {
  run = app.add_subcommand("run", "run one scenario with one seed");
  run->add_option("file", file, "scenario file, or the name of an embedded scenario")->required();
  run->add_option("--seed", seed_text, "the seed (1 to 2^64-1)");
  run->add_option("--trace", flags.trace_path, "write the trace (JSONL) here");
  run->add_option("--chrome-trace", flags.chrome_path, "write a Chrome/Perfetto trace here");
  run->add_flag("--json", flags.json, "print the result as JSON");
  run->add_flag("--in-process", flags.in_process,
                "run in this process, not a supervised child (for a debugger; an engine crash "
                "then kills mqsim)");

  sweep = app.add_subcommand("sweep", "run one scenario over a seed range");
  sweep->add_option("file", file, "scenario file or name")->required();
  sweep->add_option("--seeds", seeds, "A..B");
  sweep->add_option("--jobs", jobs, "seeds in parallel (processes)")->check(CLI::Range(1, 64));
  sweep->add_flag("--json", flags.json, "one JSON line per seed, as each finishes (in seed order)");
  sweep->add_flag("--coverage", flags.coverage,
                  "print what the seeds exercised (calls and answers, faults, fault points, "
                  "BUGGIFY sites) and what none reached");

  replay = app.add_subcommand("replay", "run one seed again with a full trace");
  replay->add_option("file", file, "scenario file or name")->required();
  replay->add_option("--seed", seed_text, "the seed")->required();
  replay->add_option("--trace", flags.trace_path, "trace file (JSONL)");
  replay->add_option("--chrome-trace", flags.chrome_path,
                     "Chrome/Perfetto trace file (ui.perfetto.dev)");
  replay->add_flag("--in-process", flags.in_process, "run in this process (for a debugger)");
  report = app.add_subcommand("report", "run one seed and write its HTML report");
  report->add_option("file", file, "scenario file or name")->required();
  report->add_option("--seed", seed_text, "the seed");
  report->add_option("--out", flags.report_path, "the report file (default mqsim-NAME-SEED.html)");
  for (CLI::App* sub : {run, replay}) {
    sub->add_option("--report", flags.report_path, "write the run's HTML report here");
  }
  sweep->add_option("--report", flags.report_path,
                    "a directory for the sweep's HTML: index.html, and a report per failing seed");
  for (CLI::App* sub : {run, replay, report}) {
    sub->add_option("--expect-trace", flags.expect_trace,
                    "an earlier run's JSONL trace: name the first step that differs (exit 3)");
    sub->add_option("--expect-hash", expect_hash,
                    "the hash this run must reproduce (16 hex digits, as REPRO lines give it); "
                    "exit 3 if it does not");
  }

  determinism = app.add_subcommand("check-determinism", "run each seed twice and compare");
  determinism->add_option("file", file, "scenario file or name")->required();
  determinism->add_option("--seeds", seeds, "A..B");

  shrink = app.add_subcommand("shrink", "minimise a failing run to a smaller scenario");
  shrink->add_option("file", file, "scenario file or name")->required();
  shrink->add_option("--seed", seed_text, "the failing seed")->required();
  shrink->add_option("--out", out_path, "where to write the minimal scenario");
  shrink->add_option("--max-runs", max_runs, "budget of executions")->check(CLI::Range(1, 100000));
}

void Cli::AddSharding() {
  sweep->add_option("--shard", shard_text,
                    "run only shard I/N of the seeds (0-based), or `env`: the shard a Slurm array "
                    "task, Kubernetes Indexed Job or Bazel test shard is");
  sweep->add_option("--out", out_dir,
                    "write the results to DIR/shard-I-of-N.jsonl (for mqsim collect DIR)");
  sweep->add_flag("--slurm", slurm,
                  "submit the sweep to Slurm as a job array (sbatch); needs --out on a shared "
                  "file system");
  sweep->add_option("--partition", partition, "the Slurm partition (default: the cluster's)");
  sweep->add_option("--array-size", shards, "Slurm array tasks, one shard each")
      ->check(CLI::Range(1, 100000));
  sweep->add_flag("--wait", wait, "with --slurm: wait for the job, then collect its shards");
  collect = app.add_subcommand("collect", "merge a sharded sweep's results (DIR/shard-*.jsonl)");
  collect->add_option("dir", out_dir, "the sweep's --out directory")->required();
  collect->add_flag("--json", flags.json, "print the merged summary as JSON");
  k8s_job = app.add_subcommand("k8s-job", "print a Kubernetes Indexed Job running a sharded sweep");
  k8s_job->add_option("file", file, "scenario file (a path inside the image) or name")->required();
  k8s_job->add_option("--seeds", seeds, "A..B");
  k8s_job->add_option("--shards", shards, "completions, one shard each")
      ->check(CLI::Range(1, 100000));
  k8s_job->add_option("--parallelism", parallelism, "tasks at a time")
      ->check(CLI::Range(1, 100000));
  k8s_job->add_option("--image", image, "a container image with mqsim at /usr/local/bin/mqsim");
  k8s_job->add_option("--claim", claim, "the persistent volume claim for the results");
  k8s_job->add_option("--out", out_dir, "where the claim is mounted (default /results)");
}

void Cli::AddOthers() {
  config = app.add_subcommand(
      "config", "the message store's configuration a scenario resolves to (secrets redacted)");
  config->add_option("file", file, "scenario file or name")->required();
  config->add_flag("--verbose", verbose, "also list the sections ignored (etcd, minio, ...)");
  list = app.add_subcommand("list", "the stock scenarios, with store and description");
  help = app.add_subcommand("help", "this help");
  app.footer(
      "Exit codes: 0 pass; 1 a property failed (or an unexpected outcome in a sweep); 2 bad "
      "input; 3 --expect-hash not reproduced. FILE is a stock scenario's name or a path.");
  list_bugs = app.add_subcommand("list-bugs", "the bug modes (docs/bugs.md)");
  list_bugs->add_flag("--markdown", markdown,
                      "the catalogue as docs/bugs.md's table (scenario, property, seeds)");
  demo = app.add_subcommand("demo", "the simulator's self-demo");
  demo->add_option("--seed", demo_options.seed, "the seed");
}

int ListBugs(bool markdown) {
  if (markdown) {
    std::cout << mqsim::scenarios::CatalogueMarkdown();
    return kPass;
  }
  for (const auto& b : mqsim::base::AllBugs()) {
    std::string scenario = "-";
    for (const auto& c : mqsim::scenarios::Catalogue()) {
      if (c.bug == b.bug) scenario = std::string(c.scenario) + " (" + c.property + ")";
    }
    std::printf("%-26s %s [%s; caught by: %s; stock scenario: %s]\n", std::string(b.name).c_str(),
                std::string(b.what).c_str(), std::string(b.origin).c_str(),
                std::string(b.catcher).c_str(), scenario.c_str());
  }
  return kPass;
}

int Demo(const mqsim::sim::SelfDemoOptions& options) {
  mqsim::sim::Trace trace;
  const mqsim::sim::SelfDemoResult r = mqsim::sim::RunSelfDemo(options, trace);
  std::printf("mqsim self-demo, seed %" PRIu64 ": %" PRIu64 " produced, %" PRIu64
              " consumed, hash %016" PRIx64 "\n",
              options.seed, r.produced, r.consumed, r.trace_hash);
  return r.ok() ? kPass : kFail;
}

// The stock scenarios, each with its store and the first line of its description.
int List() {
  absl::StatusOr<std::vector<Scenario>> stock = mqsim::scenarios::StockScenarios();
  if (!stock.ok()) return kBadInput;
  for (const Scenario& sc : *stock) {
    const absl::StatusOr<std::string> text = ReadEmbedded(sc.file);
    std::string what;
    if (text.ok() && text->starts_with("# ")) what = text->substr(2, text->find('\n') - 2);
    std::printf("%-28s %-8s %s\n", sc.name.c_str(), sc.StoreNames().c_str(), what.c_str());
  }
  return kPass;
}

// 16 hex digits (a RESULT line's hash).
absl::StatusOr<uint64_t> ParseHash(const std::string& text) {
  uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v, 16);
  if (text.size() != 16 || ec != std::errc() || ptr != end) {
    return absl::InvalidArgumentError("expected 16 hex digits, got \"" + text + "\"");
  }
  return v;
}

// The hash a run must reproduce: --expect-hash, else the last line of --expect-trace (a
// run's hash is its last event's); none when neither is given.
absl::Status ExpectedHash(const std::string& trace, const std::string& hash,
                          std::optional<uint64_t>* out) {
  std::string text = hash;
  if (!trace.empty() && text.empty()) {
    if (!std::filesystem::is_regular_file(UserPath(trace))) {
      return absl::InvalidArgumentError("--expect-trace: " + trace + ": not a regular file");
    }
    std::ifstream in(UserPath(trace));
    std::string line, last;
    while (std::getline(in, line)) {
      if (!line.empty()) last = line;
    }
    const nlohmann::json j = nlohmann::json::parse(last, nullptr, false);
    text = j.is_object() ? j.value("hash", "") : "";
    if (text.empty()) {
      return absl::InvalidArgumentError("--expect-trace: " + trace +
                                        " is not a JSONL trace (mqsim replay --trace writes one)");
    }
  }
  if (text.empty()) return absl::OkStatus();
  absl::StatusOr<uint64_t> h = ParseHash(text);
  if (!h.ok())
    return absl::InvalidArgumentError("--expect-hash: " + std::string(h.status().message()));
  *out = *h;
  return absl::OkStatus();
}

// The bug modes named by --bug, into g_bugs.
bool SetBugs(const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    const std::optional<mqsim::base::Bug> b = mqsim::base::ParseBug(name);
    if (!b) {
      std::vector<std::string> known;
      for (const auto& bug : mqsim::base::AllBugs()) known.emplace_back(bug.name);
      std::cerr << "mqsim: --bug " << name << ": unknown bug mode"
                << mqsim::base::DidYouMean(name, known) << " (see mqsim list-bugs)\n";
      return false;
    }
    g_bugs |= mqsim::base::BugMask(*b);
  }
#ifdef MQSIM_NO_BUG_MODES
  if (g_bugs != 0) {
    std::cerr << "mqsim: this is a production build: bug modes are compiled out\n";
    return false;
  }
#endif
  return true;
}

int Cli::Dispatch() {
  if (version) {
    std::cout << "mqsim " << mqsim::scenarios::Version() << "\n";
    return kPass;
  }
  if (!SetBugs(bug_names)) return kBadInput;
  if (app.got_subcommand(list_bugs)) return ListBugs(markdown);
  if (app.got_subcommand(list)) return List();
  if (app.got_subcommand(help)) {
    std::cout << app.get_formatter()->make_help(&app, "mqsim", CLI::AppFormatMode::Normal);
    return kPass;
  }
  if (app.got_subcommand(demo)) return Demo(demo_options);
  if (app.got_subcommand(collect))
    return mqsim::scenarios::CollectCmd(UserPath(out_dir), flags.json);
  if (app.get_subcommands().empty()) return DefaultJob();
  return DispatchScenario();
}

// mqsim config: where the configuration came from, what it selects, and all of it.
int ConfigCmd(const Scenario& sc, bool verbose) {
  std::cout << "scenario " << sc.name << " (" << sc.file << ")\nconfiguration, lowest first:\n"
            << "  Milvus's built-in defaults\n";
  for (const std::string& l : sc.config_layers) std::cout << "  " << l << "\n";
  std::string store = "one of " + sc.StoreNames() + " per seed (the scenario's backend:)";
  if (sc.backend_draw.empty()) {
    const absl::StatusOr<mqsim::backends::MqType> type = sc.StoreType();
    store = (type.ok() ? std::string(mqsim::backends::ToString(*type))
                       : "none: " + std::string(type.status().message())) +
            (sc.backend ? " (the scenario's backend:)" : " (mq.type " + sc.config.mq.type + ")");
  }
  std::cout << "mode: "
            << (sc.mode == mqsim::backends::DeployMode::kCluster ? "cluster" : "standalone")
            << "\nmessage store: " << store << "\nchannels: " << sc.config.channels.DmlPrefix()
            << "0.." << sc.config.channels.DmlPrefix() << sc.workload.topics - 1 << " ("
            << sc.workload.topics << ")\n";
  for (const std::string& n : sc.config_notes) std::cout << "note: " << n << "\n";
  std::cout << "# the configuration in effect, as a milvus.yaml fragment:\n"
            << mqsim::backends::ToMilvusYaml(sc.config);
  if (verbose) {
    std::cout << "# sections read by other parts of Milvus, ignored here:";
    for (const std::string& i : sc.config.ignored_sections) std::cout << " " << i;
    std::cout << "\n";
  }
  return kPass;
}

int Cli::DispatchScenario() {
  absl::StatusOr<uint64_t> seed = mqsim::scenarios::ParseSeed(seed_text);
  if (!seed.ok()) {
    std::cerr << "mqsim: --seed: " << std::string(seed.status().message()) << "\n";
    return kBadInput;
  }
  if (app.got_subcommand(shrink)) {
    absl::StatusOr<Scenario> sc = Load(file);
    if (sc.ok()) {
      if (absl::Status d = mqsim::scenarios::CheckDuration(*sc, allow_long); !d.ok()) {
        std::cerr << "mqsim: " << std::string(d.message()) << "\n";
        return kBadInput;
      }
    }
    return ShrinkCmd(file, *seed, out_path, max_runs);
  }
  absl::StatusOr<Scenario> sc = Load(file);
  if (sc.ok()) {
    if (absl::Status d = mqsim::scenarios::CheckDuration(*sc, allow_long); !d.ok()) sc = d;
  }
  if (!sc.ok()) {
    std::cerr << "mqsim: " << std::string(sc.status().message()) << "\n";
    return kBadInput;
  }
  if (absl::Status e = ExpectedHash(flags.expect_trace, expect_hash, &flags.expect_hash); !e.ok()) {
    std::cerr << "mqsim: " << std::string(e.message()) << "\n";
    return kBadInput;
  }
  if (app.got_subcommand(config)) return ConfigCmd(*sc, verbose);
  if (app.got_subcommand(run)) return RunOne(*sc, *seed, flags);
  if (app.got_subcommand(report)) {
    if (flags.report_path.empty()) {
      flags.report_path = "mqsim-" + sc->name + "-" + std::to_string(*seed) + ".html";
    }
    return RunOne(*sc, *seed, flags);
  }
  if (app.got_subcommand(replay)) {
    if (flags.trace_path.empty() && flags.chrome_path.empty()) {
      std::cerr << "mqsim: replay needs --trace PATH and/or --chrome-trace PATH\n";
      return kBadInput;
    }
    flags.json = false;
    return RunOne(*sc, *seed, flags);
  }
  absl::StatusOr<mqsim::scenarios::SeedRange> range = mqsim::scenarios::ParseSeedRange(seeds);
  if (!range.ok()) {
    std::cerr << "mqsim: --seeds: " << std::string(range.status().message()) << "\n";
    return kBadInput;
  }
  if (app.got_subcommand(sweep)) return SweepCmd(*sc, *range);
  if (app.got_subcommand(k8s_job)) {
    mqsim::scenarios::ShardedSweep s = Sharded(*range);
    s.mqsim = "/usr/local/bin/mqsim";
    s.scenario = file;  // as the image sees it
    if (s.out_dir.empty()) s.out_dir = "/results";
    return mqsim::scenarios::K8sJobCmd(s, image, claim, std::min(parallelism, shards));
  }
  return CheckDeterminismCmd(*sc, *range);
}

// A sharded sweep's task: this binary, the scenario by absolute path (or stock name), the
// flags that change runs (--bug, --set, --allow-long).
mqsim::scenarios::ShardedSweep Cli::Sharded(const mqsim::scenarios::SeedRange& range) const {
  mqsim::scenarios::ShardedSweep s;
  std::error_code ec;
  s.mqsim = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  const std::string path = UserPath(file);
  s.scenario = std::filesystem::is_regular_file(path, ec)
                   ? std::filesystem::absolute(path, ec).string()
                   : file;
  s.seeds = range;
  s.shards = shards;
  s.out_dir = out_dir.empty() ? "" : std::filesystem::absolute(UserPath(out_dir), ec).string();
  for (const auto& b : mqsim::base::AllBugs()) {
    if (g_bugs & mqsim::base::BugMask(b.bug))
      s.extra_args.push_back("--bug=" + std::string(b.name));
  }
  for (const std::string& set : g_set) s.extra_args.push_back("--set=" + set);
  if (allow_long) s.extra_args.push_back("--allow-long");
  return s;
}

int Cli::SweepCmd(const Scenario& sc, const mqsim::scenarios::SeedRange& range) {
  if ((slurm || !shard_text.empty()) && out_dir.empty()) {
    std::cerr << "mqsim: " << (slurm ? "--slurm" : "--shard") << " needs --out DIR\n";
    return kBadInput;
  }
  if (slurm) return mqsim::scenarios::SubmitSlurmCmd(Sharded(range), partition, wait, flags.json);
  if (out_dir.empty()) {
    return Sweep(sc, range, jobs, flags.json, flags.report_path, flags.coverage);
  }
  absl::StatusOr<mqsim::scenarios::Shard> shard = shard_text.empty() ? mqsim::scenarios::Shard{0, 1}
                                                  : shard_text == "env"
                                                      ? mqsim::scenarios::ShardFromEnv(std::getenv)
                                                      : mqsim::scenarios::ParseShard(shard_text);
  absl::StatusOr<mqsim::scenarios::ShardWriter> writer =
      shard.ok() ? mqsim::scenarios::ShardWriter::Open(UserPath(out_dir), sc.name, range, *shard)
                 : absl::StatusOr<mqsim::scenarios::ShardWriter>(shard.status());
  if (!writer.ok()) {
    std::cerr << "mqsim: " << std::string(writer.status().message()) << "\n";
    return kBadInput;
  }
  const std::optional<mqsim::scenarios::SeedRange> mine = ShardSeeds(range, *shard);
  if (!mine) {  // more shards than seeds: an empty shard, finished at once
    std::cout << sc.name << ": shard " << shard->index << "/" << shard->count << " has no seeds\n";
    return writer->Finish().ok() ? kPass : kBadInput;
  }
  return Sweep(sc, *mine, jobs, flags.json, flags.report_path, flags.coverage, &*writer);
}

}  // namespace

int main(int argc, char** argv) {
  Cli cli;
  try {
    cli.app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = cli.app.exit(e);
    if (argc > 1 && cli.app.get_subcommands().empty() && argv[1][0] != '-') {
      std::vector<std::string> known;
      for (const CLI::App* sub : cli.app.get_subcommands({})) known.push_back(sub->get_name());
      const std::string hint = mqsim::base::DidYouMean(argv[1], known);
      if (!hint.empty())
        std::cerr << "mqsim: unknown subcommand \"" << argv[1] << "\"" << hint << "\n";
    }
    return code == 0 ? kPass : kBadInput;
  }
  return cli.Dispatch();
}
