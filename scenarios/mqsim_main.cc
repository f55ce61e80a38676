// mqsim: the command line.
//
// Today it runs the simulator's self-demo (the scenario runner arrives with issue 8):
//   mqsim                      # the embedded default: demo, seed 1, determinism self-check
//   mqsim demo --seed 42 --trace run.jsonl
// Exit codes: 0 pass, 1 a property failed (or nondeterminism), 2 bad input.
#include <CLI/CLI.hpp>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "sim/determinism.h"
#include "sim/self_demo.h"

namespace {

using mqsim::sim::CheckDeterminism;
using mqsim::sim::DeterminismReport;
using mqsim::sim::JsonlTraceWriter;
using mqsim::sim::RunSelfDemo;
using mqsim::sim::SelfDemoOptions;
using mqsim::sim::SelfDemoResult;
using mqsim::sim::Trace;

// `bazel run` starts binaries in their runfiles tree; resolve user paths against the
// directory the user ran bazel from.
std::string UserPath(const std::string& path) {
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path[0] == '/' || cwd == nullptr) return path;
  return std::string(cwd) + "/" + path;
}

std::string ReproCommand(uint64_t seed) {
  return "bazel run //:mqsim -- demo --seed " + std::to_string(seed) + " --trace trace.jsonl";
}

int RunDemo(const SelfDemoOptions& options, const std::string& trace_path, bool check) {
  Trace trace;
  std::ofstream trace_file;
  std::unique_ptr<JsonlTraceWriter> writer;
  if (!trace_path.empty()) {
    trace_file.open(UserPath(trace_path));
    if (!trace_file) {
      std::fprintf(stderr, "mqsim: cannot write trace file '%s'\n", trace_path.c_str());
      return 2;
    }
    writer = std::make_unique<JsonlTraceWriter>(trace_file);
    trace.set_sink(writer.get());
  }
  const SelfDemoResult r = RunSelfDemo(options, trace);
  std::printf("mqsim self-demo, seed %" PRIu64 "\n", options.seed);
  std::printf("  simulated  %s in %" PRIu64 " scheduler steps (%s)\n",
              r.end_time.ToString().c_str(), r.steps, r.outcome.c_str());
  std::printf("  messages   %" PRIu64 " produced, %" PRIu64 " consumed, %" PRIu64
              " duplicates; %" PRIu64 " consumer crashes\n",
              r.produced, r.consumed, r.duplicates, r.crashes);
  std::printf("  trace hash %016" PRIx64 "\n", r.trace_hash);
  if (!trace_path.empty()) std::printf("  trace      %s\n", trace_path.c_str());
  bool ok = r.ok();
  if (!ok) std::printf("FAIL: every produced message must be consumed exactly once\n");
  if (check) {
    const DeterminismReport report =
        CheckDeterminism([&](Trace& t) { (void)RunSelfDemo(options, t); });
    std::printf("  determinism %s\n", report.ToString().c_str());
    ok = ok && report.deterministic;
  }
  if (!ok) std::printf("reproduce with: %s\n", ReproCommand(options.seed).c_str());
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mqsim: deterministic simulation and fault injection for message stores"};
  app.require_subcommand(0, 1);
  SelfDemoOptions options;
  std::string trace_path;
  bool check = true;
  CLI::App* demo = app.add_subcommand("demo", "run the simulator's self-demo (the default)");
  for (CLI::App* cmd : {&app, demo}) {
    cmd->add_option("--seed", options.seed, "run seed")->capture_default_str();
    cmd->add_option("--trace", trace_path, "write the full trace as JSON lines to this file");
    cmd->add_option("--messages", options.messages_per_producer, "messages per producer")
        ->check(CLI::Range(1, 10'000'000))
        ->capture_default_str();
    cmd->add_flag("--check-determinism,!--no-check-determinism", check,
                  "run twice and compare traces step by step (default on)");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return RunDemo(options, trace_path, check);
}
