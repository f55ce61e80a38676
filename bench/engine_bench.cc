#include "bench/engine_bench.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace mqsim::bench {

std::string_view ToString(Engine e) { return e == Engine::kRocksMq ? "rocksmq" : "natsmq"; }

Engine EngineNamed(const std::string& name) {
  if (name == "rocksmq") return Engine::kRocksMq;
  if (name == "natsmq") return Engine::kNatsMq;
  Die("unknown engine " + name);
}

void Die(const std::string& what) {
  std::fprintf(stderr, "benchmark: %s\n", what.c_str());
  std::fflush(stderr);
  std::_Exit(1);
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

uint64_t RssBytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

uint64_t PeakRssBytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // kB
  }
  return 0;
}

bool ResetPeakRss() {
  const int fd = open("/proc/self/clear_refs", O_WRONLY);
  if (fd < 0) return false;
  const bool ok = write(fd, "5", 1) == 1;
  close(fd);
  return ok;
}

namespace {
int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Meter::Meter() : wall_start_ns_(SteadyNs()), cpu_start_s_(CpuSeconds()) {}

Usage Meter::Elapsed() const {
  return Usage{static_cast<double>(SteadyNs() - wall_start_ns_) / 1e9, CpuSeconds() - cpu_start_s_};
}

void detail::RunInChild(const std::function<void(void* out)>& body, void* result, size_t size) {
  std::fflush(stdout);
  std::fflush(stderr);
  int fds[2];
  if (pipe(fds) != 0) Die("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) Die("fork failed");
  if (pid == 0) {
    close(fds[0]);
    std::vector<char> out(size);
    body(out.data());
    size_t done = 0;
    while (done < size) {
      const ssize_t n = write(fds[1], out.data() + done, size - done);
      if (n <= 0) std::_Exit(2);
      done += static_cast<size_t>(n);
    }
    close(fds[1]);
    std::fflush(stdout);
    std::_Exit(0);  // no static destructors (RocksDB's) in the child
  }
  close(fds[1]);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = read(fds[0], static_cast<char*>(result) + done, size - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (done != size || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    Die("measurement child failed (status " + std::to_string(status) + ")");
  }
}

std::vector<std::string> Payloads(size_t bytes, int count, uint64_t seed) {
  std::vector<std::string> out;
  uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
  for (int i = 0; i < count; ++i) {
    std::string p(bytes, '\0');
    for (size_t k = 0; k < bytes; k += 8) {
      // splitmix64
      x += 0x9e3779b97f4a7c15ULL;
      uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      z ^= z >> 31;
      std::memcpy(p.data() + k, &z, std::min<size_t>(8, bytes - k));
    }
    out.push_back(std::move(p));
  }
  return out;
}

namespace {

constexpr char kTopic[] = "bench";
constexpr char kGroup[] = "g";

class RocksMqDriver : public EngineDriver {
 public:
  explicit RocksMqDriver(rocksmq::RocksMQ* mq) : mq_(mq) {}
  void Setup() override {
    if (!mq_->CreateTopic(kTopic).ok()) Die("rocksmq: create topic");
    if (!mq_->CreateConsumerGroup(kTopic, kGroup).ok()) Die("rocksmq: create group");
  }
  void Produce(std::span<const std::string> batch) override {
    const auto ids = mq_->Produce(kTopic, batch);
    if (!ids.ok()) Die("rocksmq produce: " + ids.status().ToString());
  }
  size_t Consume(int max, uint64_t* bytes) override {
    const auto got = mq_->Consume(kTopic, kGroup, max);
    if (!got.ok()) Die("rocksmq consume: " + got.status().ToString());
    for (const auto& m : *got) *bytes += m.payload.size();
    return got->size();
  }
  void Close() override {
    if (!mq_->Close().ok()) Die("rocksmq close");
  }

 private:
  rocksmq::RocksMQ* mq_;
};

class NatsDriver : public EngineDriver {
 public:
  NatsDriver(natsmq::NatsStore* store, natsmq::NatsMqOptions options)
      : store_(store), options_(std::move(options)) {}
  void Setup() override {
    if (!store_->AddStream(options_.StreamFor(kTopic)).ok()) Die("natsmq: add stream");
    natsmq::ConsumerConfig c;
    c.durable_name = kGroup;
    c.start_seq = 1;
    if (!store_->AddConsumer(kTopic, c).ok()) Die("natsmq: add consumer");
  }
  void Produce(std::span<const std::string> batch) override {
    for (const std::string& p : batch) {
      const auto seq = store_->Publish(subject_, p);
      if (!seq.ok()) Die("natsmq publish: " + seq.status().ToString());
    }
  }
  size_t Consume(int max, uint64_t* bytes) override {
    const auto got = store_->Fetch(stream_, group_, max);
    if (!got.ok()) Die("natsmq fetch: " + got.status().ToString());
    if (got->empty()) return 0;
    for (const auto& m : *got) *bytes += m.payload.size();
    // Milvus acks on receipt (as backends/natsmq_queue.cc).
    if (!store_->Ack(stream_, group_, got->back().seq).ok()) Die("natsmq ack");
    return got->size();
  }
  void Close() override {
    if (!store_->Close().ok()) Die("natsmq close");
  }

 private:
  natsmq::NatsStore* store_;
  natsmq::NatsMqOptions options_;
  const std::string subject_ = kTopic;
  const std::string stream_ = kTopic;
  const std::string group_ = kGroup;
};

}  // namespace

std::unique_ptr<EngineDriver> DriveRocksMq(rocksmq::RocksMQ* mq) {
  return std::make_unique<RocksMqDriver>(mq);
}

std::unique_ptr<EngineDriver> DriveNatsMq(natsmq::NatsStore* store,
                                          const natsmq::NatsMqOptions& options) {
  return std::make_unique<NatsDriver>(store, options);
}

rocksmq::RocksMqOptions BenchRocksMqOptions() {
  rocksmq::RocksMqOptions o;
  o.retention_time_minutes = -1;
  o.retention_size_mb = -1;
  return o;
}

natsmq::NatsMqOptions BenchNatsMqOptions() {
  natsmq::NatsMqOptions o;
  o.retention_max_age_minutes = std::nullopt;
  o.retention_max_bytes = std::nullopt;
  o.retention_max_msgs = std::nullopt;
  return o;
}

std::unique_ptr<NativeEngine> NativeEngine::Open(Engine engine, const std::string& dir, bool sync) {
  std::unique_ptr<NativeEngine> e(new NativeEngine());
  // The real clock, RocksDB's own background threads, jobs on a thread: a Milvus standalone.
  e->node_ = std::make_unique<node::NativeNode>(
      node::NativeNodeOptions{.clock = node::NativeNodeOptions::Clock::kReal, .dir = dir});
  if (engine == Engine::kRocksMq) {
    rocksmq::RocksMqOptions o = BenchRocksMqOptions();
    o.path = dir + "/rdb_data";
    o.produce_sync = sync;
    // The same block cache size as backends::SimStore.
    auto mq = rocksmq::RocksMQ::Open(o, e->node_->RocksMqHost(8ULL << 30));
    if (!mq.ok()) Die("rocksmq open: " + mq.status().ToString());
    e->rocksmq_ = std::move(*mq);
    e->node_->StartJobs(e->rocksmq_->PeriodicJobs());
    e->driver_ = DriveRocksMq(e->rocksmq_.get());
  } else {
    natsmq::NatsMqOptions o = BenchNatsMqOptions();
    o.store_dir = dir + "/nats";
    o.sync_always = sync;
    auto store = natsmq::NatsStore::Open(o, e->node_->NatsHost());
    if (!store.ok()) Die("natsmq open: " + store.status().ToString());
    e->nats_ = std::move(*store);
    e->node_->StartJobs(e->nats_->PeriodicJobs());
    e->driver_ = DriveNatsMq(e->nats_.get(), o);
  }
  return e;
}

void NativeEngine::Close() {
  if (node_) node_->StopJobs();  // no periodic job runs into a closing engine
  if (driver_) driver_->Close();
  driver_.reset();
}

NativeEngine::~NativeEngine() {
  if (node_) node_->StopJobs();
}

}  // namespace mqsim::bench
