// Drives the mqsim binary as a user would: exit codes (0 pass, 1 a property failed, 2 bad
// input), the RESULT and REPRO lines, identical results for the same seed, replay with a
// trace, JSON output, sweeps and the determinism check.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <vector>

#include "scenarios/shell_for_tests.h"

namespace {

struct Output {
  int code;
  std::string text;
};

Output Mqsim(const std::string& args) {
  const std::string bin = std::string(std::getenv("TEST_SRCDIR")) + "/mqsim/scenarios/mqsim";
  const mqsim::scenarios::ShellResult r = mqsim::scenarios::RunShell(bin + " " + args + " 2>&1");
  return Output{r.code, r.out};
}

std::string Line(const std::string& text, const std::string& prefix) {
  size_t at = text.find(prefix);
  if (at == std::string::npos) return "";
  return text.substr(at, text.find('\n', at) - at);
}

TEST_CASE("run: a pass, its RESULT line, the same seed gives the same result") {
  const Output a = Mqsim("run crash-power-loss --seed 2");
  INFO(a.text);
  CHECK(a.code == 0);
  const std::string result = Line(a.text, "RESULT ");
  CHECK(std::regex_match(
      result,
      std::regex("RESULT pass seed=2 property=- sim_time=\\S+ steps=[0-9]+ hash=[0-9a-f]{16}")));
  CHECK(Line(Mqsim("run scenarios/crash-power-loss.yaml --seed 2").text, "RESULT ") == result);
  CHECK(Line(Mqsim("run crash-power-loss --seed 3").text, "RESULT ") != result);
}

TEST_CASE("run: a failure says which property and prints the command that reproduces it") {
  const Output r = Mqsim("run milvus-switch-without-flush --seed 1");
  INFO(r.text);
  CHECK(r.code == 1);
  CHECK(Line(r.text, "RESULT ").starts_with("RESULT fail seed=1 property=flush_before_switch "));
  const std::string hash = Line(r.text, "RESULT ").substr(Line(r.text, "RESULT ").size() - 16);
  const std::string version = Line(Mqsim("--version").text, "mqsim ").substr(6);
  CHECK_FALSE(version.empty());
  CHECK(Line(r.text, "REPRO: ") ==
        "REPRO: bazel run //:mqsim -- replay scenarios/milvus-switch-without-flush.yaml --seed 1 "
        "--expect-hash " +
            hash + " --trace /tmp/mqsim-milvus-switch-without-flush-1.jsonl  # mqsim " + version);
  CHECK(Line(r.text, "REPRO (bazel test): ").find("--test_env=MQSIM_SEEDS=1") != std::string::npos);
}

TEST_CASE("replay --expect-hash: 'reproduced', or exit 3 when the hash differs") {
  const Output r = Mqsim("run rocksmq-seek-storm --seed 2 --bug latest_prefix");
  const std::string result = Line(r.text, "RESULT ");
  const std::string hash = result.substr(result.size() - 16);
  const auto trace = std::filesystem::temp_directory_path() / "mqsim-cli-expect.jsonl";
  const Output same = Mqsim("replay rocksmq-seek-storm --seed 2 --bug latest_prefix --trace " +
                            trace.string() + " --expect-hash " + hash);
  INFO(same.text);
  CHECK(same.code == r.code);
  CHECK(same.text.find("reproduced: hash " + hash) != std::string::npos);
  // Without the bug mode the run is another one: not reproduced, exit 3.
  const Output other = Mqsim("run rocksmq-seek-storm --seed 2 --expect-hash " + hash);
  INFO(other.text);
  CHECK(other.code == 3);
  CHECK(other.text.find("NOT REPRODUCED") != std::string::npos);
  // With the original trace, the first step that differs is named.
  const Output where = Mqsim("run rocksmq-seek-storm --seed 2 --expect-trace " + trace.string());
  INFO(where.text);
  CHECK(where.code == 3);
  CHECK(where.text.find("is the first that differs") != std::string::npos);
  CHECK(where.text.find("mq.latest") != std::string::npos);  // where the bug answered
  CHECK(
      Mqsim("run rocksmq-seek-storm --seed 2 --bug latest_prefix --expect-trace " + trace.string())
          .code == 1);  // reproduced: the failure itself
  CHECK(Mqsim("run rocksmq-seek-storm --expect-hash 12").code == 2);
  CHECK(Mqsim("run rocksmq-seek-storm --expect-hash zzzzzzzzzzzzzzzz").code == 2);
}

TEST_CASE("a stock name is the embedded scenario, even with a file of that name around") {
  const auto dir = std::filesystem::temp_directory_path() / "mqsim-cli-stock";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "crash-power-loss.yaml") << "name: edited\nduration: 1m\nbackend: rocksmq\n";
  const std::string bin = std::string(std::getenv("TEST_SRCDIR")) + "/mqsim/scenarios/mqsim";
  const std::string out =
      mqsim::scenarios::RunShell("cd " + dir.string() + " && " + bin +
                                 " run crash-power-loss --seed 1 2>&1; cd " + dir.string() +
                                 " && " + bin + " run ./crash-power-loss.yaml --seed 1 2>&1")
          .out;
  INFO(out);
  CHECK(out.find("scenario crash-power-loss on rocksmq") != std::string::npos);
  CHECK(out.find("scenario edited on rocksmq") != std::string::npos);
}

// An engine that kills its process is a verdict: the bug mode puts back a real natsmq
// defect (a publish through a writer that a failed block rollover dropped), which aborts on
// the engine's own assertion at seed 8 of natsmq-every-fault-point (an early rollover that
// BUGGIFY asked for, then a failed rollover point).
TEST_CASE("run and sweep: an engine crash is RESULT fail property=engine_crash with evidence") {
  const Output r = Mqsim("run natsmq-every-fault-point --seed 8 --bug nats_rollover_null_writer");
  INFO(r.text);
  CHECK(r.code == 1);
  CHECK(std::regex_match(Line(r.text, "RESULT "),
                         std::regex("RESULT fail seed=8 property=engine_crash sim_time=\\S+ "
                                    "steps=[1-9][0-9]* hash=[0-9a-f]{16}")));
  CHECK(r.text.find("killed by signal 6 (SIGABRT") != std::string::npos);
  CHECK(r.text.find("trace events before it:") != std::string::npos);
  CHECK(r.text.find("fault.point point=natsmq/block/rollover") !=
        std::string::npos);  // the cause is in the evidence
  CHECK(Line(r.text, "REPRO: ")
            .starts_with(
                "REPRO: bazel run //:mqsim -- replay scenarios/natsmq-every-fault-point.yaml "
                "--seed 8 --bug nats_rollover_null_writer --expect-hash "));
  CHECK(Line(r.text, "REPRO (bazel test): ")
            .find("--test_env=MQSIM_BUGS=nats_rollover_null_writer") != std::string::npos);
  // The verdict is itself reproducible: the same steps and hash again.
  CHECK(Line(Mqsim("run natsmq-every-fault-point --seed 8 --bug nats_rollover_null_writer").text,
             "RESULT ") == Line(r.text, "RESULT "));
  // Without the bug mode, the same seed passes.
  CHECK(Mqsim("run natsmq-every-fault-point --seed 8").code == 0);

  // With 4 MB blocks (the stock scenario writes 32,000-byte ones, where the bug aborts every
  // seed), the bug aborts seed 8 of 7..9 and the other two pass: the sweep goes on.
  const auto dir = std::filesystem::temp_directory_path() / "mqsim-cli-rollover";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "rollover.yaml")
      << "name: rollover-4mb-blocks\nduration: 10m\nbackend: natsmq\n"
         "config:\n  natsmq:\n    server: {retention: {maxAge: 2, maxMsgs: 400, maxBytes: "
         "131072}}\n"
         "workload:\n  topics: 2\n  topic_churn: 0.002\n  purge: 0.001\n  delete: 0.02\n"
         "  producers: {count: 2, rate_per_s: 6, batch: [1, 3], payload_bytes: [16, 1024], "
         "sync: true}\n"
         "  consumers: {groups: 2, batch: 16, seek_probability: 0.02, seek_beyond_latest: 0.3, "
         "group_churn: 0.005}\n"
         "faults:\n  crash: {mean_interval: 2m}\n  fiu: {points: [\"natsmq/*\"], probability: "
         "0.02}\n  buggify: true\n";
  const Output s = Mqsim("sweep " + (dir / "rollover.yaml").string() +
                         " --seeds 7..9 --jobs 2 --json --bug nats_rollover_null_writer");
  INFO(s.text);
  CHECK(s.code == 1);
  std::map<uint64_t, std::string> property;
  std::istringstream lines(s.text);
  std::string line;
  while (std::getline(lines, line)) {
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    if (j.value("summary", false)) {  // the last record: the sweep's totals
      CHECK(j.value("failed", 0) == 1);
      continue;
    }
    property[j["seed"]] = j.value("property", "-");
  }
  CHECK(property == std::map<uint64_t, std::string>{{7, "-"}, {8, "engine_crash"}, {9, "-"}});
}

// A sweep of many seeds started in the background, its standard output in `out`.
pid_t StartSweep(const std::string& out) {
  const std::string bin = std::string(std::getenv("TEST_SRCDIR")) + "/mqsim/scenarios/mqsim";
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (std::freopen(out.c_str(), "w", stdout) == nullptr) _exit(126);
    execl(bin.c_str(), bin.c_str(), "sweep", "natsmq-disk-full", "--seeds", "1..1000", "--jobs",
          "2", static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// The processes whose parent is `parent`, with their process groups (/proc/PID/stat).
std::map<std::string, long> ChildrenOf(pid_t parent) {
  std::map<std::string, long> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::ifstream stat(e.path() / "stat");
    std::string pid, comm, state;
    long ppid = 0, pgrp = 0;
    if (stat >> pid >> comm >> state >> ppid >> pgrp && ppid == parent) out[pid] = pgrp;
  }
  return out;
}

// Waits (up to 2 s) for the sweep to have workers running.
std::map<std::string, long> WaitForWorkers(pid_t sweep) {
  std::map<std::string, long> workers;
  for (int i = 0; i < 100 && workers.empty(); ++i) {
    usleep(20'000);
    workers = ChildrenOf(sweep);
  }
  return workers;
}

// How many of `workers` are still alive after up to 2 s.
int AliveAfterWaiting(const std::map<std::string, long>& workers) {
  int alive = 0;
  for (int i = 0; i < 100; ++i) {
    alive = 0;
    for (const auto& [w, pgrp] : workers) {
      std::ifstream stat("/proc/" + w + "/stat");
      std::string p, comm, state;
      if (stat >> p >> comm >> state && state != "Z") ++alive;
    }
    if (alive == 0) break;
    usleep(20'000);
  }
  return alive;
}

// Killing mqsim kills its workers: none outlives the sweep that started it.
TEST_CASE("sweep: killing mqsim leaves no worker process behind") {
  const pid_t pid = StartSweep("/dev/null");
  const std::map<std::string, long> workers = WaitForWorkers(pid);
  CHECK_FALSE(workers.empty());
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(AliveAfterWaiting(workers) == 0);
}

// Ctrl-C reaches a terminal's foreground process group; the workers are not in it (each is
// a group of its own), so mqsim alone decides: it stops them all, says how far it got and
// exits 130.
TEST_CASE("sweep: SIGINT stops the whole sweep cleanly, with a summary") {
  const auto out = std::filesystem::temp_directory_path() / "mqsim-cli-sigint.txt";
  const pid_t pid = StartSweep(out.string());
  const std::map<std::string, long> workers = WaitForWorkers(pid);
  REQUIRE_FALSE(workers.empty());
  for (const auto& [w, pgrp] : workers) CHECK(pgrp == std::stol(w));  // each its own group
  usleep(300'000);
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(AliveAfterWaiting(workers) == 0);
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO(text);
  CHECK(text.find("interrupted by SIGINT after ") != std::string::npos);
  CHECK(text.find("natsmq-disk-full: ") != std::string::npos);
}

TEST_CASE("replay: the same execution, with a full JSONL trace") {
  const auto trace = std::filesystem::temp_directory_path() / "mqsim-cli-test-trace.jsonl";
  const Output run = Mqsim("run natsmq-limits --seed 4");
  const Output replay = Mqsim("replay natsmq-limits --seed 4 --trace " + trace.string());
  INFO(replay.text);
  CHECK(replay.code == 0);
  CHECK(Line(replay.text, "RESULT ") == Line(run.text, "RESULT "));
  std::ifstream in(trace);
  std::string line;
  size_t lines = 0;
  bool parsed = true;
  while (std::getline(in, line)) {
    ++lines;
    if (lines < 100) parsed = parsed && !nlohmann::json::parse(line, nullptr, false).is_discarded();
  }
  CHECK(parsed);
  CHECK(lines > 10000);
}

TEST_CASE("Bad input is exit 2 with file, line and key") {
  const auto bad = std::filesystem::temp_directory_path() / "mqsim-cli-bad.yaml";
  std::ofstream(bad)
      << "name: bad\nduration: 5m\nbackend: rocksmq\nworkload:\n  producers: {rate_per_s: -3}\n";
  const Output r = Mqsim("run " + bad.string());
  CHECK(r.code == 2);
  CHECK(r.text.find(bad.string() + ":5: workload.producers.rate_per_s: must be in (0, 100000]") !=
        std::string::npos);
  CHECK(Mqsim("run no-such-scenario").code == 2);
  CHECK(Mqsim("sweep crash-power-loss --seeds 9..2").code == 2);
  CHECK(Mqsim("frobnicate").code == 2);
  // Devices, directories and seeds that are not seeds: scenarios/bad_inputs/cases.tsv.
  // The largest seed runs once (the counter does not wrap into a sweep without end).
  const Output top =
      Mqsim("sweep rocksmq-seek-storm --seeds 18446744073709551615..18446744073709551615");
  INFO(top.text);
  CHECK(top.text.find("1 passed") != std::string::npos);
  // --bug takes one name, and FILE may follow it.
  CHECK(Mqsim("run --bug latest_prefix rocksmq-seek-storm --seed 2").code == 1);
}

TEST_CASE("sweep, --json and check-determinism") {
  const Output s = Mqsim("sweep rocksmq-seek-storm --seeds 1..4 --jobs 2");
  INFO(s.text);
  CHECK(s.code == 0);
  CHECK(s.text.find("rocksmq-seek-storm: 4 passed, 0 failed, 0 unexpected") != std::string::npos);
  const Output f = Mqsim("sweep milvus-switch-without-flush --seeds 1..2 --jobs 2");
  CHECK(f.code == 0);  // failing as expected
  CHECK(f.text.find("0 passed, 2 failed (expected to fail flush_before_switch), 0 unexpected") !=
        std::string::npos);
  const Output j = Mqsim("run helm-values --seed 1 --json");
  const nlohmann::json doc = nlohmann::json::parse(j.text, nullptr, false);
  REQUIRE_FALSE(doc.is_discarded());
  CHECK(doc["result"] == "pass");
  CHECK(doc["store"] == "natsmq");
  CHECK(doc["hash"].get<std::string>().size() == 16);
  const Output d = Mqsim("check-determinism rocksmq-retention --seeds 1..1");
  INFO(d.text);
  CHECK(d.code == 0);
  CHECK(d.text.find("rocksmq-retention seed 1: deterministic") != std::string::npos);
}

TEST_CASE("The default job runs every stock scenario") {
  const Output r = Mqsim("");
  INFO(r.text);
  CHECK(r.code == 0);
  for (const char* name : {"rocksmq-retention", "rocksmq-seek-storm", "crash-power-loss",
                           "natsmq-disk-full", "natsmq-limits", "slow-gc", "milvus-switch",
                           "milvus-switch-without-flush", "mq-type-selection", "helm-values"}) {
    CHECK(r.text.find(std::string(name) + " ") != std::string::npos);
  }
  CHECK(r.text.find("3/3 as expected (fails)") != std::string::npos);
}

}  // namespace

namespace {

TEST_CASE("shrink: a smaller scenario that still fails the same way with the same seed") {
  const auto out = std::filesystem::temp_directory_path() / "mqsim-cli-shrunk.yaml";
  const Output s = Mqsim("shrink milvus-switch-without-flush --seed 1 --out " + out.string());
  INFO(s.text);
  CHECK(s.code == 1);
  CHECK(s.text.find("halve the duration") != std::string::npos);
  CHECK(Line(s.text, "REPRO: ")
            .starts_with("REPRO: bazel run //:mqsim -- run " + out.string() +
                         " --seed 1 --expect-hash "));
  const std::string shrunk_result = Line(s.text, "RESULT ");
  CHECK(shrunk_result.starts_with("RESULT fail seed=1 property=flush_before_switch"));
  // The file reproduces exactly that run.
  const Output again = Mqsim("run " + out.string() + " --seed 1");
  CHECK(again.code == 1);
  CHECK(Line(again.text, "RESULT ") == shrunk_result);
  // Shorter than the two simulated minutes of the original.
  CHECK(shrunk_result.find("sim_time=2m") == std::string::npos);
  // A passing seed has nothing to shrink.
  const Output pass = Mqsim("shrink crash-power-loss --seed 1");
  CHECK(pass.code == 0);
  CHECK(pass.text.find("nothing to shrink") != std::string::npos);
}

}  // namespace

namespace {

TEST_CASE(
    "replay --chrome-trace: a Perfetto trace with tracks, events, GC slices and the durability "
    "frontier") {
  const auto path = std::filesystem::temp_directory_path() / "mqsim-cli-chrome.json";
  const Output r = Mqsim("replay slow-gc --seed 1 --chrome-trace " + path.string());
  INFO(r.text);
  CHECK(r.code == 0);
  std::ifstream in(path);
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  REQUIRE(doc.is_array());
  std::map<std::string, int> phases;
  bool producer_track = false, frontier = false, gc = false;
  for (const auto& e : doc) {
    ++phases[e["ph"].get<std::string>()];
    if (e["ph"] == "M" && e["args"]["name"] == "producer") producer_track = true;
    if (e["ph"] == "C" && e["name"].get<std::string>().starts_with("unsynced bytes: "))
      frontier = true;
    if (e["ph"] == "X" && e["name"].get<std::string>().starts_with("GC pause"))
      gc = gc || e["dur"].get<double>() > 0;
  }
  CHECK(producer_track);
  CHECK(frontier);
  CHECK(gc);
  CHECK(phases["i"] > 1000);
  CHECK(Mqsim("replay slow-gc --seed 1").code == 2);  // a replay needs somewhere to write
}

// A shrunk scenario that names helm values by a relative path still runs from elsewhere: the
// values come along beside it, named by an absolute path.
TEST_CASE("shrink: a scenario with helm values shrinks to one that runs from anywhere") {
  const auto dir = std::filesystem::temp_directory_path() / "mqsim-cli-helm";
  const auto out_dir = std::filesystem::temp_directory_path() / "mqsim-cli-helm-out";
  std::filesystem::create_directories(dir);
  std::filesystem::create_directories(out_dir);
  std::ofstream(dir / "values.yaml") << "cluster: {enabled: false}\n"
                                        "extraConfigFiles:\n  user.yaml: |+\n"
                                        "    mq:\n      type: rocksmq\n";
  std::ofstream(dir / "s.yaml")
      << "name: helm-shrink\nduration: 4m\nhelm_values: values.yaml\n"
         "workload:\n  topics: 2\n  producers: {count: 2, rate_per_s: 4}\n"
         "  consumers: {groups: 1}\n";
  const std::string out = (out_dir / "min.yaml").string();
  const Output s =
      Mqsim("shrink " + (dir / "s.yaml").string() + " --seed 1 --bug latest_prefix --out " + out);
  INFO(s.text);
  REQUIRE(s.code == 1);
  const std::string bin = std::string(std::getenv("TEST_SRCDIR")) + "/mqsim/scenarios/mqsim";
  const mqsim::scenarios::ShellResult again = mqsim::scenarios::RunShell(
      "cd / && " + bin + " run " + out + " --seed 1 --bug latest_prefix 2>&1");
  INFO(again.out);
  CHECK(again.code == 1);  // the failure again, not a missing file (2)
  CHECK(std::filesystem::exists(out_dir / "min.helm-values.yaml"));
}

TEST_CASE("sweep --report: a summary page of every seed, and a report per failing seed") {
  const auto dir = std::filesystem::temp_directory_path() / "mqsim-cli-sweep-report";
  std::filesystem::remove_all(dir);
  const Output s =
      Mqsim("sweep rocksmq-seek-storm --seeds 1..2 --bug latest_prefix --report " + dir.string());
  INFO(s.text);
  CHECK(s.code == 1);
  std::ifstream index(dir / "index.html");
  const std::string html((std::istreambuf_iterator<char>(index)), std::istreambuf_iterator<char>());
  CHECK(html.find("id=\"seeds\"") != std::string::npos);
  CHECK(html.find("<a href=\"seed-1.html\">1</a>") != std::string::npos);
  CHECK(std::filesystem::file_size(dir / "seed-2.html") > 1000);
}

// mqsim config shows the layers and the store a deployment's files resolve to; --set
// overrides a helm value on any scenario command and comes back in the REPRO line, with a
// credential redacted.
TEST_CASE("config and --set: a deployment's files, resolved and overridden") {
  const Output c = Mqsim("config helm-values --verbose");
  INFO(c.text);
  CHECK(c.code == 0);
  CHECK(c.text.find("extraConfigFiles user.yaml of") != std::string::npos);
  CHECK(c.text.find("message store: natsmq") != std::string::npos);
  CHECK(c.text.find("maxPayload: 1048576") != std::string::npos);
  const Output nats = Mqsim(
      "config helm-values --set cluster.enabled=true --set externalKafka.enabled=true "
      "--set externalKafka.sasl.username=u --set externalKafka.sasl.password=hunter2");
  INFO(nats.text);
  CHECK(nats.code == 2);  // user.yaml still asks for natsmq, which cluster mode refuses
  CHECK(nats.text.find("natsmq is only valid in standalone mode") != std::string::npos);
  const Output r = Mqsim(
      "run milvus-switch-without-flush --seed 1 --set cluster.enabled=false "
      "--set externalKafka.sasl.password=hunter2");
  INFO(r.text);
  CHECK(r.code == 1);
  CHECK(Line(r.text, "REPRO: ")
            .find(" --set cluster.enabled=false --set "
                  "'externalKafka.sasl.password=<redacted>'") != std::string::npos);
  CHECK(r.text.find("hunter2") == std::string::npos);
}

}  // namespace
