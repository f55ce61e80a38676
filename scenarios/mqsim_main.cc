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
// hash=HEX", and every failure with "REPRO: <one command>". Exit codes: 0 pass, 1 a
// property failed, 2 bad input.
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "base/bug_modes.h"
#include "scenarios/bug_catalogue.h"
#include "scenarios/embedded.h"
#include "scenarios/report.h"
#include "scenarios/runner.h"
#include "scenarios/scenario.h"
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
using mqsim::scenarios::ReproCommand;
using mqsim::scenarios::ResultLine;
using mqsim::scenarios::RunJson;
using mqsim::scenarios::RunOptions;
using mqsim::scenarios::RunResult;
using mqsim::scenarios::Scenario;

constexpr int kPass = 0;
constexpr int kFail = 1;
constexpr int kBadInput = 2;

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
std::string UserPath(const std::string& path) {
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path[0] == '/' || cwd == nullptr) return path;
  return std::string(cwd) + "/" + path;
}

// A scenario's text and where its relative references resolve.
struct Source {
  std::string text;
  std::string file;
  std::string base_dir;
  mqsim::scenarios::FileReader read;
};

// A path on disk, else an embedded scenario by file name or by name.
absl::StatusOr<Source> Find(const std::string& arg) {
  const std::string path = UserPath(arg);
  if (std::ifstream(path).good()) {
    absl::StatusOr<std::string> text = mqsim::scenarios::ReadFileFromDisk(path);
    if (!text.ok()) return text.status();
    const size_t slash = path.rfind('/');
    return Source{*text, arg, slash == std::string::npos ? "." : path.substr(0, slash),
                  mqsim::scenarios::ReadFileFromDisk};
  }
  std::string name = arg;
  if (!name.ends_with(".yaml")) name += ".yaml";
  absl::StatusOr<std::string> text = ReadEmbedded(name);
  if (!text.ok()) return text.status();
  return Source{*text, name.starts_with("scenarios/") ? name : "scenarios/" + name, "scenarios",
                ReadEmbedded};
}

absl::StatusOr<Scenario> Load(const std::string& arg) {
  absl::StatusOr<Source> src = Find(arg);
  if (!src.ok()) return src.status();
  return mqsim::scenarios::ParseScenario(src->text, src->file, src->base_dir, src->read);
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
    std::cout << "REPRO: " << ReproCommand(sc, seed, g_bugs) << "\n";
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

// The run itself, in the process that executes it: the trace files are written here.
RunResult RunWithTraces(const Scenario& sc, uint64_t seed, const std::string& trace_path,
                        const std::string& chrome_path) {
  mqsim::sim::Trace trace;
  std::ofstream jsonl_out, chrome_out;
  std::unique_ptr<mqsim::sim::JsonlTraceWriter> jsonl;
  std::unique_ptr<mqsim::sim::ChromeTraceWriter> chrome;
  Tee tee;
  if (!trace_path.empty()) {
    jsonl_out.open(UserPath(trace_path));
    jsonl = std::make_unique<mqsim::sim::JsonlTraceWriter>(jsonl_out);
    tee.Add(jsonl.get());
  }
  if (!chrome_path.empty()) {
    chrome_out.open(UserPath(chrome_path));
    chrome = std::make_unique<mqsim::sim::ChromeTraceWriter>(chrome_out);
    tee.Add(chrome.get());
  }
  if (!tee.empty()) trace.set_sink(&tee);
  RunResult r = mqsim::scenarios::RunScenario(sc, RunOptions{seed, &trace, g_bugs});
  chrome.reset();  // closes its JSON array
  return r;
}

bool Writable(const std::string& path) {
  if (path.empty()) return true;
  std::ofstream probe(UserPath(path));
  if (probe) return true;
  std::cerr << "mqsim: cannot write trace file " << path << "\n";
  return false;
}

// One seed, supervised (an engine crash is a verdict) unless in_process (for a debugger).
int RunOne(const Scenario& sc, uint64_t seed, const std::string& trace_path,
           const std::string& chrome_path, bool json, bool in_process) {
  if (!Writable(trace_path) || !Writable(chrome_path)) return kBadInput;
  auto body = [&] { return RunWithTraces(sc, seed, trace_path, chrome_path); };
  const RunOptions options{seed, nullptr, g_bugs};
  const RunResult r = in_process ? body() : mqsim::scenarios::RunSupervised(sc, options, body);
  PrintRun(sc, r, seed, json);
  if (!trace_path.empty() && !json) std::cout << "trace: " << trace_path << " (JSONL)\n";
  if (!chrome_path.empty() && !json) {
    std::cout << "trace: " << chrome_path << " (open in ui.perfetto.dev)\n";
  }
  // The truth, expected or not: a failed property is exit 1 (sweeps judge expectations).
  return r.pass ? kPass : kFail;
}

bool ParseSeeds(const std::string& text, uint64_t* a, uint64_t* b) {
  const size_t dots = text.find("..");
  try {
    if (dots == std::string::npos) {
      *a = *b = std::stoull(text);
    } else {
      *a = std::stoull(text.substr(0, dots));
      *b = std::stoull(text.substr(dots + 2));
    }
  } catch (...) {
    return false;
  }
  return *a <= *b;
}

// Each seed in a child process (the engines keep process-wide state: libfiu, RocksDB's
// internals), up to `jobs` at a time; results in seed order.
int Sweep(const Scenario& sc, uint64_t first, uint64_t last, int jobs, bool json) {
  const bool tty = isatty(2) != 0;
  const auto started = std::chrono::steady_clock::now();
  std::map<uint64_t, nlohmann::json> results;
  std::map<pid_t, std::pair<uint64_t, mqsim::scenarios::Child>> running;  // pid -> seed, child
  uint64_t next = first;
  const uint64_t total = last - first + 1;
  auto reap_one = [&] {
    int status = 0;
    const pid_t pid = wait(&status);
    auto it = running.find(pid);
    if (it == running.end()) return;
    const auto [seed, child] = it->second;
    const RunOptions options{seed, nullptr, g_bugs};
    const nlohmann::json j =
        RunJson(sc, mqsim::scenarios::Finish(child, status, sc, options), seed, g_bugs);
    results[seed] = j;
    running.erase(it);
    if (tty) {
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      const double eta = elapsed / static_cast<double>(results.size()) *
                         static_cast<double>(total - results.size());
      std::fprintf(stderr, "\r%s: %zu/%" PRIu64 " seeds, ETA %.0fs   ", sc.name.c_str(),
                   results.size(), total, eta);
    }
  };
  while (next <= last || !running.empty()) {
    while (next <= last && static_cast<int>(running.size()) < jobs) {
      const uint64_t seed = next;
      const mqsim::scenarios::Child child = mqsim::scenarios::Start([&sc, seed] {
        return mqsim::scenarios::RunScenario(sc, RunOptions{seed, nullptr, g_bugs});
      });
      running[child.pid] = {seed, child};
      ++next;
    }
    reap_one();
  }
  if (tty) std::fprintf(stderr, "\n");
  uint64_t passed = 0, failed = 0, unexpected = 0;
  for (const auto& [seed, j] : results) {
    const bool pass = j.value("result", "fail") == "pass";
    (pass ? passed : failed)++;
    if (!j.value("expected", false)) ++unexpected;
    if (json) {
      std::cout << j.dump() << "\n";
    } else if (!pass) {
      std::cout << "FAIL seed " << seed << ": " << j.value("property", "?") << ": "
                << j.value("detail", "") << "\nREPRO: " << j.value("repro", "") << "\n";
    }
  }
  if (!json) {
    std::cout << sc.name << ": " << passed << " passed, " << failed << " failed";
    if (!sc.expect_failure.empty()) std::cout << " (expected to fail " << sc.expect_failure << ")";
    std::cout << ", " << unexpected << " unexpected\n";
  }
  return unexpected == 0 ? kPass : kFail;
}

int ShrinkCmd(const std::string& arg, uint64_t seed, const std::string& out_path, int max_runs) {
  absl::StatusOr<Source> src = Find(arg);
  if (!src.ok()) {
    std::cerr << "mqsim: " << std::string(src.status().message()) << "\n";
    return kBadInput;
  }
  absl::StatusOr<mqsim::scenarios::ShrinkResult> r = mqsim::scenarios::Shrink(
      src->text, src->file, src->base_dir, src->read, seed, max_runs, g_bugs);
  if (!r.ok()) {
    std::cerr << "mqsim: " << std::string(r.status().message()) << "\n";
    return absl::IsFailedPrecondition(r.status()) ? kPass : kBadInput;
  }
  absl::StatusOr<Scenario> sc = Load(arg);
  const std::string name = sc.ok() ? sc->name : "scenario";
  const std::string path =
      out_path.empty() ? name + "-shrunk-seed" + std::to_string(seed) + ".yaml" : out_path;
  std::ofstream out(UserPath(path));
  out << "# Shrunk by `mqsim shrink " << arg << " --seed " << seed << BugFlags() << "` (" << r->runs
      << " runs): still fails " << r->result.property << " with seed " << seed << ".\n";
  for (const std::string& k : r->kept) out << "#   kept: " << k << "\n";
  out << r->yaml;
  if (!out) {
    std::cerr << "mqsim: cannot write " << path << "\n";
    return kBadInput;
  }
  std::cout << "shrunk in " << r->runs << " runs, " << r->kept.size() << " reductions kept:\n";
  for (const std::string& k : r->kept) std::cout << "  " << k << "\n";
  std::cout << "minimal scenario: " << path << "\n"
            << ResultLine(r->result, seed) << "\n"
            << "REPRO: bazel run //:mqsim -- run " << path << " --seed " << seed << BugFlags()
            << "\n";
  return kFail;  // the (smaller) failure is still a failure
}

int CheckDeterminismCmd(const Scenario& sc, uint64_t first, uint64_t last) {
  int rc = kPass;
  for (uint64_t seed = first; seed <= last; ++seed) {
    const mqsim::sim::DeterminismReport report =
        mqsim::sim::CheckDeterminism([&](mqsim::sim::Trace& t) {
          (void)mqsim::scenarios::RunScenario(sc, RunOptions{seed, &t, g_bugs});
        });
    std::cout << sc.name << " seed " << seed << ": " << report.ToString() << "\n";
    if (!report.deterministic) {
      rc = kFail;
      std::cout << "REPRO: bazel run //:mqsim -- check-determinism " << sc.file << " --seeds "
                << seed << "\n";
    }
  }
  return rc;
}

// The embedded default: every stock scenario over seeds 1..3, a summary table.
int DefaultJob() {
  std::printf("%-30s %-8s %-7s %-24s %s\n", "scenario", "store", "seeds", "result",
              "hash of seed 1");
  int rc = kPass;
  for (const auto& f : mqsim::scenarios::EmbeddedFiles()) {
    if (f.name.find('/') != std::string::npos) continue;  // referenced files (helm values)
    absl::StatusOr<Scenario> sc = Load(f.name);
    if (!sc.ok()) {
      std::printf("%-30s %s\n", f.name.c_str(), std::string(sc.status().message()).c_str());
      rc = kBadInput;
      continue;
    }
    int ok = 0;
    std::string store, hash, note;
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      const RunResult r = mqsim::scenarios::RunSupervised(*sc, RunOptions{seed, nullptr});
      store = r.store;
      if (seed == 1) hash = Hex(r.hash);
      if (Expected(*sc, r)) {
        ++ok;
      } else {
        note = "seed " + std::to_string(seed) + ": " + r.property;
        rc = kFail;
        std::printf("  REPRO: %s\n", ReproCommand(*sc, seed, 0).c_str());
      }
    }
    std::string result = std::to_string(ok) + "/3 as expected";
    if (!sc->expect_failure.empty()) result += " (fails)";
    if (!note.empty()) result += " " + note;
    std::printf("%-30s %-8s %-7s %-24s %s\n", sc->name.c_str(), store.c_str(), "1..3",
                result.c_str(), hash.c_str());
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mqsim: deterministic simulation and fault injection for message stores"};
  app.require_subcommand(0, 1);

  std::string file, trace_path, chrome_path, seeds = "1..8";
  uint64_t seed = 1;
  bool json = false;
  int jobs = 2;

  CLI::App* run = app.add_subcommand("run", "run one scenario with one seed");
  run->add_option("file", file, "scenario file, or the name of an embedded scenario")->required();
  run->add_option("--seed", seed, "the seed");
  run->add_option("--trace", trace_path, "write the trace (JSONL) here");
  run->add_option("--chrome-trace", chrome_path, "write a Chrome/Perfetto trace here");
  run->add_flag("--json", json, "print the result as JSON");
  bool in_process = false;
  run->add_flag("--in-process", in_process,
                "run in this process, not a supervised child (for a debugger; an engine crash "
                "then kills mqsim)");

  CLI::App* sweep = app.add_subcommand("sweep", "run one scenario over a seed range");
  sweep->add_option("file", file, "scenario file or name")->required();
  sweep->add_option("--seeds", seeds, "A..B");
  sweep->add_option("--jobs", jobs, "seeds in parallel (processes)")->check(CLI::Range(1, 64));
  sweep->add_flag("--json", json, "one JSON line per seed");

  CLI::App* replay = app.add_subcommand("replay", "run one seed again with a full trace");
  replay->add_option("file", file, "scenario file or name")->required();
  replay->add_option("--seed", seed, "the seed")->required();
  replay->add_option("--trace", trace_path, "trace file (JSONL)");
  replay->add_option("--chrome-trace", chrome_path, "Chrome/Perfetto trace file (ui.perfetto.dev)");
  replay->add_flag("--in-process", in_process, "run in this process (for a debugger)");

  CLI::App* determinism =
      app.add_subcommand("check-determinism", "run each seed twice and compare");
  determinism->add_option("file", file, "scenario file or name")->required();
  determinism->add_option("--seeds", seeds, "A..B");

  CLI::App* list = app.add_subcommand("list", "list the embedded scenarios");
  CLI::App* list_bugs = app.add_subcommand("list-bugs", "the bug modes (docs/bugs.md)");
  bool markdown = false;
  list_bugs->add_flag("--markdown", markdown,
                      "the catalogue as docs/bugs.md's table (scenario, property, seeds)");
  std::vector<std::string> bug_names;
  for (CLI::App* sub : {run, sweep, replay, determinism}) {
    sub->add_option("--bug", bug_names, "switch a bug mode on (repeatable; see list-bugs)");
  }

  std::string out_path;
  int max_runs = 300;
  CLI::App* shrink = app.add_subcommand("shrink", "minimise a failing run to a smaller scenario");
  shrink->add_option("file", file, "scenario file or name")->required();
  shrink->add_option("--seed", seed, "the failing seed")->required();
  shrink->add_option("--out", out_path, "where to write the minimal scenario");
  shrink->add_option("--max-runs", max_runs, "budget of executions")->check(CLI::Range(1, 100000));
  shrink->add_option("--bug", bug_names, "switch a bug mode on (repeatable)");

  mqsim::sim::SelfDemoOptions demo_options;
  CLI::App* demo = app.add_subcommand("demo", "the simulator's self-demo");
  demo->add_option("--seed", demo_options.seed, "the seed");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kPass : kBadInput;
  }

  for (const std::string& name : bug_names) {
    const std::optional<mqsim::base::Bug> b = mqsim::base::ParseBug(name);
    if (!b) {
      std::cerr << "mqsim: --bug " << name << ": unknown bug mode (see mqsim list-bugs)\n";
      return kBadInput;
    }
    g_bugs |= mqsim::base::BugMask(*b);
  }
#ifdef MQSIM_NO_BUG_MODES
  if (g_bugs != 0) {
    std::cerr << "mqsim: this is a production build: bug modes are compiled out\n";
    return kBadInput;
  }
#endif
  if (app.got_subcommand(list_bugs) && markdown) {
    std::cout << mqsim::scenarios::CatalogueMarkdown();
    return kPass;
  }
  if (app.got_subcommand(list_bugs)) {
    for (const auto& b : mqsim::base::AllBugs()) {
      std::printf("%-26s %s [%s; caught by: %s]\n", std::string(b.name).c_str(),
                  std::string(b.what).c_str(), std::string(b.origin).c_str(),
                  std::string(b.catcher).c_str());
    }
    return kPass;
  }
  if (app.got_subcommand(list)) {
    for (const auto& f : mqsim::scenarios::EmbeddedFiles()) {
      if (f.name.find('/') == std::string::npos) std::cout << "scenarios/" << f.name << "\n";
    }
    return kPass;
  }
  if (app.got_subcommand(demo)) {
    mqsim::sim::Trace trace;
    const mqsim::sim::SelfDemoResult r = mqsim::sim::RunSelfDemo(demo_options, trace);
    std::printf("mqsim self-demo, seed %" PRIu64 ": %" PRIu64 " produced, %" PRIu64
                " consumed, hash %016" PRIx64 "\n",
                demo_options.seed, r.produced, r.consumed, r.trace_hash);
    return r.ok() ? kPass : kFail;
  }
  if (app.get_subcommands().empty()) return DefaultJob();
  if (app.got_subcommand(shrink)) return ShrinkCmd(file, seed, out_path, max_runs);

  absl::StatusOr<Scenario> sc = Load(file);
  if (!sc.ok()) {
    std::cerr << "mqsim: " << std::string(sc.status().message()) << "\n";
    return kBadInput;
  }
  uint64_t first = 0, last = 0;
  if (app.got_subcommand(sweep) || app.got_subcommand(determinism)) {
    if (!ParseSeeds(seeds, &first, &last)) {
      std::cerr << "mqsim: --seeds: expected A..B with A <= B, got \"" << seeds << "\"\n";
      return kBadInput;
    }
  }
  if (app.got_subcommand(run)) return RunOne(*sc, seed, trace_path, chrome_path, json, in_process);
  if (app.got_subcommand(replay)) {
    if (trace_path.empty() && chrome_path.empty()) {
      std::cerr << "mqsim: replay needs --trace PATH and/or --chrome-trace PATH\n";
      return kBadInput;
    }
    return RunOne(*sc, seed, trace_path, chrome_path, false, in_process);
  }
  if (app.got_subcommand(sweep)) return Sweep(*sc, first, last, jobs, json);
  if (app.got_subcommand(determinism)) return CheckDeterminismCmd(*sc, first, last);
  return kBadInput;
}
