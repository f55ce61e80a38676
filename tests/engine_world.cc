#include "tests/engine_world.h"

#include <rocksdb/env.h>
#include <rocksdb/system_clock.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <map>

#include "base/assert.h"
#include "base/bug_modes.h"
#include "node/sim_node.h"
#include "sim/run_context.h"
#include "sim/sim_env.h"
#include "sim/sim_rocksdb.h"
#include "sim/simulation.h"

namespace mqsim::testing {

namespace {

constexpr int64_t kEpochUs = sim::VirtualClock::kDefaultWallEpochUs;

// A SystemClock that only moves when told to.
class ManualClock : public rocksdb::SystemClock {
 public:
  const char* Name() const override { return "ManualClock"; }
  uint64_t NowMicros() override { return now_us_.load(); }
  uint64_t NowNanos() override { return now_us_.load() * 1000; }
  uint64_t CPUMicros() override { return 0; }
  uint64_t CPUNanos() override { return 0; }
  void SleepForMicroseconds(int micros) override {
    rocksdb::SystemClock::Default()->SleepForMicroseconds(micros);
  }
  rocksdb::Status GetCurrentTime(int64_t* t) override {
    *t = static_cast<int64_t>(now_us_.load() / 1000000);
    return rocksdb::Status::OK();
  }
  std::string TimeToString(uint64_t t) override { return std::to_string(t); }
  void Advance(int64_t us) { now_us_ += static_cast<uint64_t>(us); }

 private:
  std::atomic<uint64_t> now_us_{static_cast<uint64_t>(kEpochUs)};
};

// The POSIX Env with the manual clock.
class ManualClockEnv : public rocksdb::EnvWrapper {
 public:
  explicit ManualClockEnv(std::shared_ptr<ManualClock> clock)
      : rocksdb::EnvWrapper(rocksdb::Env::Default()), clock_(std::move(clock)) {
    system_clock_ = clock_;
  }
  const char* Name() const override { return "ManualClockEnv"; }
  uint64_t NowMicros() override { return clock_->NowMicros(); }
  uint64_t NowNanos() override { return clock_->NowNanos(); }
  rocksdb::Status GetCurrentTime(int64_t* t) override { return clock_->GetCurrentTime(t); }

 private:
  std::shared_ptr<ManualClock> clock_;
};

class NativeWorld : public EngineWorld {
 public:
  NativeWorld() : clock_(std::make_shared<ManualClock>()), env_(clock_) {
    const char* base = std::getenv("TEST_TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/mqsim-XXXXXX";
    MQSIM_ASSERT(mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
  }
  ~NativeWorld() override { std::filesystem::remove_all(dir_); }
  Kind kind() const override { return Kind::kNative; }
  std::string Dir() const override { return dir_; }
  rocksmq::RocksMqHost RocksMqHost() override {
    rocksmq::RocksMqHost host;
    host.env = &env_;
    host.memory_bytes = 8ULL << 30;
    return host;
  }
  std::shared_ptr<rocksdb::FileSystem> FileSystem() override { return env_.GetFileSystem(); }
  std::shared_ptr<rocksdb::SystemClock> Clock() override { return clock_; }
  storage::JobWaker Waker() override {
    return [] {};  // deadlines are re-read at every step of Advance
  }
  void StartJobs(std::vector<storage::PeriodicJob> jobs) override {
    jobs_ = std::move(jobs);
    due_.clear();
    for (const auto& j : jobs_) due_.push_back(now_us_ + j.interval_us);
  }
  void StopJobs() override {
    jobs_.clear();
    due_.clear();
  }
  // Runs due jobs in time order on this thread (interval jobs at their period, deadline
  // jobs at the deadline they report, re-read after every step), then lands on target.
  void Advance(sim::Duration d) override {
    const int64_t target = now_us_ + d.micros();
    for (;;) {
      for (size_t i = 0; i < jobs_.size(); ++i) {
        if (!jobs_[i].next_due_us) continue;
        const std::optional<int64_t> at = jobs_[i].next_due_us();
        due_[i] = at ? std::max(now_us_, *at - kEpochUs) : INT64_MAX;
      }
      size_t next = jobs_.size();
      for (size_t i = 0; i < jobs_.size(); ++i) {
        if (due_[i] <= target && (next == jobs_.size() || due_[i] < due_[next])) next = i;
      }
      if (next == jobs_.size()) break;
      MoveTo(std::max(now_us_, due_[next]));
      if (!jobs_[next].next_due_us) due_[next] += jobs_[next].interval_us;
      jobs_[next].run();
    }
    MoveTo(target);
  }
  int64_t NowMs() const override { return static_cast<int64_t>(clock_->NowMicros() / 1000); }

 private:
  void MoveTo(int64_t us) {
    clock_->Advance(us - now_us_);
    now_us_ = us;
  }
  std::shared_ptr<ManualClock> clock_;
  ManualClockEnv env_;
  std::string dir_;
  int64_t now_us_ = 0;  // since start
  std::vector<storage::PeriodicJob> jobs_;
  std::vector<int64_t> due_;
};

constexpr sim::ProcessId kEngineProcess = 1;

class SimulatedWorld : public EngineWorld {
 public:
  SimulatedWorld(uint64_t seed, sim::Trace* trace)
      : context_(seed, base::ActiveBugs()),
        sim_(seed, trace),
        node_(&sim_, node::SimNodeOptions{.process = kEngineProcess,
                                          .dir = "/data",
                                          .disk = {},
                                          .disk_stream = "disk",
                                          .env_stream = "env"}) {}
  Kind kind() const override { return Kind::kSimulated; }
  std::string Dir() const override { return node_.dir(); }
  rocksmq::RocksMqHost RocksMqHost() override { return node_.RocksMqHost(); }
  std::shared_ptr<rocksdb::FileSystem> FileSystem() override { return node_.file_system(); }
  std::shared_ptr<rocksdb::SystemClock> Clock() override { return node_.env().GetSystemClock(); }
  storage::JobWaker Waker() override { return node_.jobs().Waker(); }
  sim::SimFileSystem* sim_disk() override { return &node_.disk(); }
  void StartJobs(std::vector<storage::PeriodicJob> jobs) override {
    node_.jobs().Start(std::move(jobs));
  }
  void StopJobs() override { node_.jobs().Stop(); }
  void Advance(sim::Duration d) override { sim_.scheduler().RunFor(d); }
  int64_t NowMs() const override { return sim_.clock().wall_micros() / 1000; }

 private:
  sim::RunContext context_;  // first: the run's process-wide state outlives everything else
  sim::Simulation sim_;
  node::SimNode node_;
};

}  // namespace

std::unique_ptr<EngineWorld> EngineWorld::Make(Kind kind, uint64_t seed, sim::Trace* trace) {
  if (kind == Kind::kNative) return std::make_unique<NativeWorld>();
  return std::make_unique<SimulatedWorld>(seed, trace);
}

}  // namespace mqsim::testing
