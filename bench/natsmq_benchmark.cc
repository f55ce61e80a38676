// Publish throughput: mqsim's natsmq store vs the real nats-server 2.9.10, same run.
//
// Method: natsmq stores natively (POSIX file system, real clock) in a scratch directory,
// publishing N messages to one stream from this thread, with sync_interval 2 minutes (the
// NATS default) and with `always` (fsync before each ack). The real nats-server runs as a
// child process (tests/nats fixture) with its store in the same kind of directory and its
// default sync interval; a libnats client on 127.0.0.1 publishes the same messages, either
// synchronously (js_Publish: wait for each ack) or asynchronously (js_PublishAsync, then
// js_PublishAsyncComplete). Wall-clock time; 1 KiB and 128 KiB payloads. --no-server
// measures natsmq alone (e.g. at a larger --scale). Run:
//   bazel run -c opt //bench:natsmq_benchmark -- --dir /var/tmp/mqsim-nats-bench
#include <nats/nats.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "storage/natsmq/nats_store.h"
#include "tests/nats/nats_server_fixture.h"

namespace {

using Clock = std::chrono::steady_clock;
using mqsim::natsmq::NatsMqOptions;
using mqsim::natsmq::NatsStore;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "natsmq_benchmark: %s\n", what.c_str());
  std::exit(1);
}

double RunOurs(const std::string& dir, size_t payload, int n, bool always) {
  std::filesystem::remove_all(dir);
  NatsMqOptions o;
  o.store_dir = dir;
  o.sync_always = always;
  o.max_payload_bytes = 1 << 20;
  auto store = NatsStore::Open(o);
  if (!store.ok()) Die(store.status().ToString());
  mqsim::natsmq::StreamConfig c;
  c.name = "bench";
  if (!(*store)->AddStream(c).ok()) Die("add stream");
  const std::string data(payload, 'x');
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    if (!(*store)->Publish("bench", data).ok()) Die("publish");
  }
  const double s = Since(start);
  (void)(*store)->Close();
  std::filesystem::remove_all(dir);
  return s;
}

double RunReal(const std::string& url, size_t payload, int n, bool async) {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  if (natsConnection_ConnectTo(&nc, url.c_str()) != NATS_OK) Die("connect");
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.PublishAsync.MaxPending = 4096;
  if (natsConnection_JetStream(&js, nc, &jo) != NATS_OK) Die("jetstream");
  const std::string data(payload, 'x');
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    if (async) {
      if (js_PublishAsync(js, "bench", data.data(), static_cast<int>(data.size()), nullptr) !=
          NATS_OK) {
        Die("publish async");
      }
    } else {
      jsPubAck* ack = nullptr;
      jsErrCode code;
      if (js_Publish(&ack, js, "bench", data.data(), static_cast<int>(data.size()), nullptr,
                     &code) != NATS_OK) {
        Die("publish");
      }
      jsPubAck_Destroy(ack);
    }
  }
  if (async) {
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 60000;
    if (js_PublishAsyncComplete(js, &po) != NATS_OK) Die("publish async complete");
  }
  const double s = Since(start);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"natsmq publish throughput vs nats-server"};
  std::string dir = "/var/tmp/mqsim-nats-bench";
  double scale = 1.0;
  app.add_option("--dir", dir, "scratch directory for natsmq")->capture_default_str();
  app.add_option("--scale", scale, "multiply message counts")->capture_default_str();
  bool no_server = false;
  app.add_flag("--no-server", no_server, "measure natsmq only (no nats-server columns)");
  CLI11_PARSE(app, argc, argv);
  std::unique_ptr<mqsim::testing::NatsServer> server;
  std::unique_ptr<mqsim::testing::NatsClient> client;
  if (!no_server) {
    mqsim::testing::NatsServerOptions so;
    so.max_payload = 1 << 20;
    auto started = mqsim::testing::NatsServer::Start(so);
    if (!started.ok()) Die(started.status().ToString());
    server = std::move(*started);
    auto connected = mqsim::testing::NatsClient::Connect(server->url());
    if (!connected.ok()) Die(connected.status().ToString());
    client = std::move(*connected);
  }
  std::printf(
      "| payload | msgs | natsmq (sync 2m) msg/s | natsmq (sync always) msg/s | "
      "nats-server sync publish msg/s | nats-server async publish msg/s |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (auto [payload, count] : {std::pair<size_t, int>{1024, 50'000}, {128 << 10, 2'000}}) {
    const int n = std::max(1, static_cast<int>(count * scale));
    const double ours = RunOurs(dir, payload, n, false);
    const double ours_always = RunOurs(dir, payload, std::max(1, n / 10), true) * 10;
    mqsim::testing::StreamSpec spec;
    spec.name = "bench";
    double real_sync = 0, real_async = 0;
    for (bool async : {false, true}) {
      if (no_server) break;
      (void)client->DeleteStream("bench");
      if (!client->AddStream(spec).ok()) Die("add stream on nats-server");
      (async ? real_async : real_sync) = RunReal(server->url(), payload, n, async);
    }
    if (client) (void)client->DeleteStream("bench");
    if (no_server) {
      std::printf("| %zu KiB | %d | %.0f | %.0f | - | - |\n", payload >> 10, n, n / ours,
                  n / ours_always);
      continue;
    }
    std::printf("| %zu KiB | %d | %.0f | %.0f | %.0f | %.0f |\n", payload >> 10, n, n / ours,
                n / ours_always, n / real_sync, n / real_async);
  }
  return 0;
}
