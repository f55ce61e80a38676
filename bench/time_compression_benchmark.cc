// Time compression and seeds per minute: how much simulated time mqsim runs per second of
// wall time, and how many seeds of a short scenario it gets through per minute, on one core.
//
// Method: the scenarios defined here, each run on one process with seeds 1..N
// (the same seeds every time), -c opt, the default trace (hashing, no sink), every checker
// judging the history at the end (its cost is included):
//   (a) idle-heavy soak: 24 simulated hours, 10 msg/s on 2 topics, retention hourly, a
//       crash every 2 h (mean); every topic read back in full every 10 min, and again
//       with hourly full reads (the reads' share of the cost);
//   (b) loaded: 10 simulated minutes, ~2000 msg/s, 4 KiB pages, retention every 10 s;
//   (c) smoke: 60 simulated seconds with one crash, for seeds per minute.
//   bazel run -c opt //bench:time_compression_benchmark [-- a b c]  (letters pick)
#include <chrono>
#include <cstdio>
#include <string>

#include "scenarios/runner.h"
#include "scenarios/scenario.h"

namespace {

constexpr char kSoak[] = R"(name: soak-24h
duration: 24h
backend: rocksmq
config:
  rocksmq: {retentionTimeInMinutes: 60, retentionSizeInMB: -1, timtickerInterval: 600}
workload:
  topics: 2
  read_all_every: 10m
  producers: {count: 1, rate_per_s: 10, batch: 1, payload_bytes: [64, 512]}
  consumers: {groups: 1, batch: 64}
faults:
  crash: {mean_interval: 2h}
)";

constexpr char kLoaded[] = R"(name: loaded
duration: 10m
backend: rocksmq
config:
  rocksmq: {rocksmqPageSize: 4096, retentionTimeInMinutes: 1, retentionSizeInMB: -1, timtickerInterval: 10}
workload:
  topics: 4
  producers: {count: 4, rate_per_s: 125, batch: [1, 7], payload_bytes: [64, 512]}
  consumers: {groups: 2, batch: 256}
)";

constexpr char kSmoke[] = R"(name: smoke-60s
duration: 60s
backend: rocksmq
workload:
  topics: 2
  producers: {count: 1, rate_per_s: 20, batch: [1, 3], payload_bytes: [16, 512]}
  consumers: {groups: 1, batch: 32}
faults:
  crash: {mean_interval: 40s}
)";

struct Measured {
  double wall_s = 0;
  double sim_s = 0;
  uint64_t acked = 0;
  int runs = 0;
  int failed = 0;
};

Measured Run(const char* yaml, int seeds) {
  absl::StatusOr<mqsim::scenarios::Scenario> sc =
      mqsim::scenarios::ParseScenario(yaml, "bench.yaml");
  if (!sc.ok()) {
    std::fprintf(stderr, "%s\n", std::string(sc.status().message()).c_str());
    std::exit(2);
  }
  Measured m;
  const auto t0 = std::chrono::steady_clock::now();
  for (int seed = 1; seed <= seeds; ++seed) {
    const mqsim::scenarios::RunResult r = mqsim::scenarios::RunScenario(
        *sc, mqsim::scenarios::RunOptions{static_cast<uint64_t>(seed), nullptr, 0});
    m.sim_s += static_cast<double>(r.sim_time.nanos()) / 1e9;
    m.acked += r.acked;
    m.failed += r.pass ? 0 : 1;
    ++m.runs;
  }
  m.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  // Optional arguments pick scenarios by letter ("a", "b", "c"); none runs all three.
  auto wanted = [&](const char* name) {
    if (argc < 2) return true;
    for (int i = 1; i < argc; ++i) {
      if (name[1] == argv[i][0]) return true;
    }
    return false;
  };
  std::printf(
      "| scenario | runs | simulated | wall | time compression | messages/s (wall) | failed |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  std::fflush(stdout);
  // The soak again with hourly full reads (the reads' share of its cost).
  std::string soak_hourly = kSoak;
  soak_hourly.replace(soak_hourly.find("read_all_every: 10m"), 19, "read_all_every: 1h");
  for (const auto& [name, yaml, seeds] :
       {std::tuple{"(a) idle-heavy soak, 24 h, full reads every 10 min", kSoak, 1},
        std::tuple{"(a) idle-heavy soak, 24 h, full reads hourly", soak_hourly.c_str(), 1},
        std::tuple{"(b) loaded, 10 min", kLoaded, 1},
        std::tuple{"(c) smoke, 60 s, one crash", kSmoke, 40}}) {
    if (!wanted(name)) continue;
    const Measured m = Run(yaml, seeds);
    std::printf("| %s | %d | %.0f s | %.2f s | %.0fx | %.0f | %d |\n", name, m.runs, m.sim_s,
                m.wall_s, m.sim_s / m.wall_s, static_cast<double>(m.acked) / m.wall_s, m.failed);
    if (std::string(name).starts_with("(c)")) {
      std::printf("\nseeds per minute per core (smoke): %.0f\n", 60.0 * m.runs / m.wall_s);
    }
    std::fflush(stdout);
  }
  return 0;
}
