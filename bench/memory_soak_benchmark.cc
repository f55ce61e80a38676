// Memory against simulated time: how a run's resident memory grows as its simulated time
// passes, for the soaks users run.
//
// Method: each scenario below runs once, in this process (no supervisor), -c opt, seed 1,
// the default trace (hashing, no sink). As simulated time passes (480 samples over the
// duration, RunWatch::progress) the benchmark reads VmRSS and VmHWM from /proc/self/status
// and prints a row at each listed checkpoint: simulated time, RSS, peak RSS so far, the
// bytes the store's files hold on the simulated disk and the wall time. The last row is the
// end of the run, the checkers' judging included (they judge the whole history at the end).
//   (a) loaded, 8 h: 3 topics, ~190 msg/s synced produce (3 producers, 32 batches/s of 1-3
//       messages, 64-1024 B), 2 groups, full reads every 10 min, a crash every 45 min and a
//       power loss every 3 h (mean), rocksmq with Milvus's defaults (3-day retention);
//   (b) idle-heavy, 30 days: 2 topics, 2 msg/s, retention hourly (ticker 10 min), full reads
//       hourly, a crash every 6 h;
//   (c) loaded, 1 h: (a) for one hour with full reads every 30 s (the default): the reads'
//       cost when they come often.
//   bazel run -c opt //bench:memory_soak_benchmark [-- a b c]  (letters pick; default a b)
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "scenarios/runner.h"
#include "scenarios/scenario.h"

namespace {

constexpr char kLoaded[] = R"(name: loaded-8h
duration: 8h
backend: rocksmq
workload:
  topics: 3
  read_all_every: 10m
  producers: {count: 3, rate_per_s: 32, batch: [1, 3], payload_bytes: [64, 1024], sync: true}
  consumers: {groups: 2, batch: 64}
faults:
  crash: {mean_interval: 45m}
  power_loss: {mean_interval: 3h}
)";

constexpr char kIdle[] = R"(name: idle-30d
duration: 720h
backend: rocksmq
config:
  rocksmq: {retentionTimeInMinutes: 60, retentionSizeInMB: -1, timtickerInterval: 600}
workload:
  topics: 2
  read_all_every: 1h
  producers: {count: 1, rate_per_s: 2, batch: 1, payload_bytes: [64, 512]}
  consumers: {groups: 1, batch: 64}
faults:
  crash: {mean_interval: 6h}
)";

// VmRSS and VmHWM of this process, in MiB.
std::pair<double, double> Rss() {
  std::ifstream in("/proc/self/status");
  std::string key;
  double rss = 0, hwm = 0;
  while (in >> key) {
    double kb = 0;
    if (key == "VmRSS:" && in >> kb) rss = kb / 1024;
    if (key == "VmHWM:" && in >> kb) hwm = kb / 1024;
  }
  return {rss, hwm};
}

void Run(const char* title, const std::string& yaml, const std::vector<double>& hours) {
  absl::StatusOr<mqsim::scenarios::Scenario> sc =
      mqsim::scenarios::ParseScenario(yaml, "bench.yaml");
  if (!sc.ok()) {
    std::fprintf(stderr, "%s\n", std::string(sc.status().message()).c_str());
    std::exit(2);
  }
  std::printf("\n%s\n\n| simulated | RSS MiB | peak RSS MiB | store's files MiB | wall s |\n",
              title);
  std::printf("|---|---|---|---|---|\n");
  std::fflush(stdout);
  const auto t0 = std::chrono::steady_clock::now();
  auto wall = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  std::vector<mqsim::scenarios::DiskSample> disk;
  size_t next = 0;
  mqsim::scenarios::RunWatch watch;
  watch.disk = &disk;
  watch.progress = [&](mqsim::sim::Duration now, mqsim::sim::Duration) {
    if (next >= hours.size() || now.nanos() < static_cast<int64_t>(hours[next] * 3600e9)) return;
    ++next;
    const auto [rss, hwm] = Rss();
    const double stored =
        disk.empty() ? 0 : static_cast<double>(disk.back().stored_bytes) / 1048576;
    std::printf("| %.1f h | %.0f | %.0f | %.0f | %.1f |\n",
                static_cast<double>(now.nanos()) / 3600e9, rss, hwm, stored, wall());
    std::fflush(stdout);
  };
  const mqsim::scenarios::RunResult r = mqsim::scenarios::RunScenario(
      *sc, mqsim::scenarios::RunOptions{.seed = 1, .trace = nullptr, .bugs = 0}, &watch);
  const auto [rss, hwm] = Rss();
  std::printf("| end, judged (%s) | %.0f | %.0f | | %.1f |\n", r.pass ? "pass" : "FAIL", rss, hwm,
              wall());
  std::printf("\n%llu messages acknowledged\n", static_cast<unsigned long long>(r.acked));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  auto wanted = [&](char letter, bool by_default) {
    if (argc < 2) return by_default;
    for (int i = 1; i < argc; ++i) {
      if (argv[i][0] == letter) return true;
    }
    return false;
  };
  if (wanted('a', true)) {
    Run("(a) loaded, 8 h, full reads every 10 min", kLoaded, {0.5, 1, 2, 4, 6, 8});
  }
  if (wanted('b', true)) {
    Run("(b) idle-heavy, 30 days, full reads hourly", kIdle, {2, 24, 72, 168, 336, 504, 720});
  }
  if (wanted('c', false)) {
    std::string hour = kLoaded;
    hour.replace(hour.find("duration: 8h"), 12, "duration: 1h");
    hour.replace(hour.find("read_all_every: 10m"), 19, "read_all_every: 30s");
    Run("(c) loaded, 1 h, full reads every 30 s", hour, {0.25, 0.5, 0.75, 1});
  }
  return 0;
}
