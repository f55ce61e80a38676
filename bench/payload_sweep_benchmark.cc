// Payload-size sweep: rocksmq and natsmq natively on disk, 1 KiB to 1 MiB messages, with the
// CPU and memory each one costs (the question: "the seed says RocksDB wins below 64 KB and NATS
// above: show what ours do, with memory and CPU").
//
// Method. For each payload size (--payloads, KiB) and engine, a fresh engine in --dir
// (default /var/tmp: the machine's disk, not tmpfs) on the POSIX file system with the real
// clock, RocksDB's own background threads and the engine's periodic jobs on a
// NativeNode (real clock); retention off, otherwise Milvus's defaults (RocksMQ without produce
// sync, natsmq syncing every 2 minutes: neither waits for the disk per message).
//   produce: --mib MiB in total (the message count is --mib / payload, rounded to whole
//            batches, so every case moves about the same bytes), in batches of --batch
//            pseudo-random (incompressible) payloads: one RocksMQ Produce per batch (one
//            WriteBatch), one natsmq Publish per message.
//   consume: one consumer reads everything back (RocksMQ consumer group; durable natsmq
//            consumer, Fetch then Ack), min(100, --consume-kib / payload) messages per call
//            (at least 1), so a call never holds more than about 4 MiB.
// Every case runs in its own child process (bench/engine_bench.h): wall time (steady
// clock) and CPU time (getrusage RUSAGE_SELF, user+sys, every thread of the child, so
// RocksDB's flushes and compactions count) per phase; memory from /proc/self: the
// resident set before opening the engine (after the payloads are built), the peak (VmHWM,
// reset just before opening via /proc/self/clear_refs) and the resident set after each
// phase, reported as growth over the start. Open and Close are not timed. Before and after
// every run the parent removes the directory and calls sync(), so no run pays for an
// earlier one's writeback. Each case runs --reps times; per phase the table shows the run
// with the least wall time (the machine is shared: other load only adds time) and that
// run's CPU time; memory columns come from the run with the largest peak growth. CPU
// "cores" = CPU seconds / wall seconds (above 1: RocksDB's background threads at work;
// below 1: the thread waited, e.g. for the file system).
//   bazel run -c opt //bench:payload_sweep_benchmark -- --dir /var/tmp/mqsim-payload-sweep
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/engine_bench.h"

namespace {

using mqsim::bench::Die;
using mqsim::bench::Engine;
using mqsim::bench::Meter;
using mqsim::bench::Usage;

struct Case {
  Engine engine;
  size_t payload;
  int batch;
  uint64_t msgs;
  int consume;
};

struct Result {
  Usage produce;
  Usage consume;
  uint64_t rss_start = 0;
  uint64_t rss_after_produce = 0;
  uint64_t rss_after_consume = 0;
  uint64_t rss_peak = 0;
  bool peak_reset = false;
};

Result RunCase(const Case& c, const std::string& dir) {
  const std::vector<std::string> pool = mqsim::bench::Payloads(c.payload, 2 * c.batch, 11);
  Result r;
  r.rss_start = mqsim::bench::RssBytes();
  r.peak_reset = mqsim::bench::ResetPeakRss();
  auto e = mqsim::bench::NativeEngine::Open(c.engine, dir);
  mqsim::bench::EngineDriver& d = e->driver();
  d.Setup();
  const uint64_t batches = c.msgs / static_cast<uint64_t>(c.batch);
  Meter produce;
  for (uint64_t b = 0; b < batches; ++b) {
    d.Produce(std::span(pool.data() + (b % 2) * c.batch, c.batch));
  }
  r.produce = produce.Elapsed();
  r.rss_after_produce = mqsim::bench::RssBytes();
  uint64_t read = 0, bytes = 0;
  Meter consume;
  while (read < c.msgs) {
    const size_t n = d.Consume(c.consume, &bytes);
    if (n == 0) Die("consume ran dry at " + std::to_string(read));
    read += n;
  }
  r.consume = consume.Elapsed();
  if (read != c.msgs || bytes != c.msgs * c.payload) Die("consumed the wrong data");
  r.rss_after_consume = mqsim::bench::RssBytes();
  r.rss_peak = mqsim::bench::PeakRssBytes();
  e->Close();
  return r;
}

double MiB(uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }
double GrowthMiB(uint64_t now, uint64_t start) {
  return now > start ? MiB(now - start) : -MiB(start - now);
}

// Per phase the rep with the least wall time; memory: the largest growth seen. Each rep in a
// child process, on a fresh directory.
Result BestOf(const Case& c, const std::string& dir, int reps) {
  Result r;
  r.produce.wall_s = r.consume.wall_s = 1e300;
  for (int rep = 0; rep < reps; ++rep) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    sync();
    const Result x = mqsim::bench::RunInChild<Result>([&] { return RunCase(c, dir); });
    std::filesystem::remove_all(dir);
    sync();
    if (!x.peak_reset) std::fprintf(stderr, "note: VmHWM could not be reset\n");
    if (x.produce.wall_s < r.produce.wall_s) r.produce = x.produce;
    if (x.consume.wall_s < r.consume.wall_s) r.consume = x.consume;
    if (x.rss_peak - x.rss_start > r.rss_peak - r.rss_start) {
      r.rss_start = x.rss_start;
      r.rss_peak = x.rss_peak;
      r.rss_after_produce = x.rss_after_produce;
      r.rss_after_consume = x.rss_after_consume;
    }
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rocksmq and natsmq natively on disk across payload sizes: throughput, CPU, RSS"};
  std::string dir = "/var/tmp/mqsim-payload-sweep";
  uint64_t mib = 256;
  std::vector<size_t> payloads_kib{1, 4, 16, 64, 256, 1024};
  std::vector<std::string> engines{"rocksmq", "natsmq"};
  int batch = 10;
  size_t consume_kib = 4096;
  int reps = 3;
  app.add_option("--dir", dir, "scratch directory on the disk to measure")->capture_default_str();
  app.add_option("--mib", mib, "MiB produced (and consumed) per case")->capture_default_str();
  app.add_option("--payloads", payloads_kib, "payload sizes in KiB")->capture_default_str();
  app.add_option("--engines", engines, "rocksmq, natsmq")->capture_default_str();
  app.add_option("--batch", batch, "messages per produce batch")->capture_default_str();
  app.add_option("--consume-kib", consume_kib, "KiB per consume call at most (max 100 msgs)")
      ->capture_default_str();
  app.add_option("--reps", reps, "runs per case (best wall time per phase shown)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (batch < 1 || mib < 1 || reps < 1) Die("bad arguments");

  std::printf(
      "| payload | engine | msgs | produce msg/s | produce MiB/s | produce CPU s (cores) "
      "| consume msg/s | consume MiB/s | consume CPU s (cores) | RSS peak growth MiB "
      "| RSS growth after produce / consume MiB |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const size_t kib : payloads_kib) {
    for (const std::string& en : engines) {
      Case c;
      c.engine = mqsim::bench::EngineNamed(en);
      c.payload = kib << 10;
      c.batch = batch;
      const uint64_t want = (mib << 20) / c.payload;
      c.msgs = std::max<uint64_t>(1, (want + batch / 2) / batch) * batch;
      c.consume = static_cast<int>(std::clamp<size_t>(consume_kib / kib, 1, 100));
      const Result r = BestOf(c, dir, reps);
      const double n = static_cast<double>(c.msgs);
      const double vol = MiB(c.msgs * c.payload);
      const std::string size =
          kib >= 1024 ? std::to_string(kib >> 10) + " MiB" : std::to_string(kib) + " KiB";
      std::printf(
          "| %s | %s | %llu | %.0f | %.1f | %.2f (%.2f) | %.0f | %.1f | %.2f (%.2f) "
          "| %.0f | %.0f / %.0f |\n",
          size.c_str(), en.c_str(), static_cast<unsigned long long>(c.msgs), n / r.produce.wall_s,
          vol / r.produce.wall_s, r.produce.cpu_s, r.produce.cpu_s / r.produce.wall_s,
          n / r.consume.wall_s, vol / r.consume.wall_s, r.consume.cpu_s,
          r.consume.cpu_s / r.consume.wall_s, GrowthMiB(r.rss_peak, r.rss_start),
          GrowthMiB(r.rss_after_produce, r.rss_start), GrowthMiB(r.rss_after_consume, r.rss_start));
      std::fflush(stdout);
    }
  }
  return 0;
}
