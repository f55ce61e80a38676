#include "node/native_node.h"

#include <stdlib.h>

#include <atomic>
#include <filesystem>

#include "base/assert.h"
#include "sim/clock.h"

namespace mqsim::node {

// A SystemClock that only moves when told to; it starts where the simulated wall clock
// starts, so native and simulated runs of one test see the same times.
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
  // REQUIRES: us is not before now.
  void MoveTo(int64_t us) {
    MQSIM_ASSERT(static_cast<uint64_t>(us) >= now_us_.load());
    now_us_ = static_cast<uint64_t>(us);
  }

 private:
  std::atomic<uint64_t> now_us_{static_cast<uint64_t>(sim::VirtualClock::kDefaultWallEpochUs)};
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

NativeNode::NativeNode(NativeNodeOptions options) : options_(std::move(options)) {
  dir_ = options_.dir;
  if (dir_.empty()) {
    const char* base = std::getenv("TEST_TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/mqsim-XXXXXX";
    MQSIM_ASSERT_MSG(mkdtemp(pattern.data()) != nullptr, "cannot make a temporary directory");
    dir_ = pattern;
    own_dir_ = true;
  }
  if (options_.clock == NativeNodeOptions::Clock::kManual) {
    manual_ = std::make_shared<ManualClock>();
    manual_env_ = std::make_unique<ManualClockEnv>(manual_);
  } else {
    runner_ = std::make_unique<storage::NativeJobRunner>();
  }
}

NativeNode::~NativeNode() {
  StopJobs();
  if (own_dir_) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

rocksdb::Env* NativeNode::env() {
  return manual_env_ ? static_cast<rocksdb::Env*>(manual_env_.get()) : rocksdb::Env::Default();
}

std::shared_ptr<rocksdb::FileSystem> NativeNode::file_system() { return env()->GetFileSystem(); }

std::shared_ptr<rocksdb::SystemClock> NativeNode::clock() {
  if (manual_) return manual_;
  return rocksdb::SystemClock::Default();
}

rocksmq::RocksMqHost NativeNode::RocksMqHost(uint64_t memory_bytes) {
  rocksmq::RocksMqHost host;
  host.env = env();
  host.memory_bytes = memory_bytes;
  return host;
}

natsmq::NatsHost NativeNode::NatsHost() {
  return natsmq::NatsHost{file_system(), clock(), Waker()};
}

storage::JobWaker NativeNode::Waker() {
  if (runner_) return runner_->Waker();
  return [] {};  // a manual clock re-reads deadlines at every step of Advance
}

void NativeNode::StartJobs(std::vector<storage::PeriodicJob> jobs) {
  if (runner_) {
    runner_->Start(std::move(jobs));
  } else {
    schedule_.Start(std::move(jobs), NowMicros());
  }
}

void NativeNode::StopJobs() {
  if (runner_) runner_->Stop();
  schedule_.Clear();
}

void NativeNode::Advance(sim::Duration d) {
  MQSIM_ASSERT_MSG(manual_ != nullptr, "Advance needs a node with a manual clock");
  const int64_t target = NowMicros() + d.micros();
  for (;;) {
    const std::optional<storage::JobSchedule::Due> due = schedule_.Next();
    if (!due || due->at_us > target) break;
    manual_->MoveTo(std::max(NowMicros(), due->at_us));
    (void)schedule_.job(due->index).run();  // a failed run is tried at its next turn
    schedule_.Ran(due->index, NowMicros());
  }
  manual_->MoveTo(target);
}

int64_t NativeNode::NowMicros() const {
  return static_cast<int64_t>(manual_ ? manual_->NowMicros()
                                      : rocksdb::SystemClock::Default()->NowMicros());
}

}  // namespace mqsim::node
