#include "node/sim_node.h"

#include "base/assert.h"
#include "sim/sim_rocksdb.h"
#include "sim/stream_names.h"

namespace mqsim::node {

namespace {

std::string StreamName(const std::string& given, std::string_view kind, sim::ProcessId process) {
  return given.empty() ? std::string(kind) + "." + std::to_string(process) : given;
}

}  // namespace

SimNode::SimNode(sim::Simulation* sim, SimNodeOptions options)
    : sim_(sim),
      options_(std::move(options)),
      fs_(std::make_shared<sim::SimFileSystem>(
          &sim->clock(),
          sim->Stream(StreamName(options_.disk_stream, sim::streams::kDisk, options_.process)),
          &sim->trace(), options_.disk)),
      env_(&sim->scheduler(), fs_,
           sim->Stream(StreamName(options_.env_stream, sim::streams::kEnv, options_.process)),
           options_.process),
      jobs_(&sim->scheduler(), options_.process) {
  fs_->MakeDirs(options_.dir);
}

SimNode::~SimNode() { jobs_.Stop(); }

rocksmq::RocksMqHost SimNode::RocksMqHost(std::function<void(rocksdb::Options*)> tune,
                                          uint64_t memory_bytes) {
  rocksmq::RocksMqHost host;
  host.env = &env_;
  host.adjust_db_options = [this, tune = std::move(tune)](rocksdb::Options* o) {
    if (tune) tune(o);
    *o = sim::SimRocksDbOptions(&env_, *o);
  };
  host.run_background_work = [this] { env_.DrainJobs(); };
  host.memory_bytes = memory_bytes;
  return host;
}

natsmq::NatsHost SimNode::NatsHost() {
  return natsmq::NatsHost{fs_, env_.GetSystemClock(), jobs_.Waker()};
}

void SimNode::Crash(const std::function<void()>& drop_engine,
                    std::optional<sim::PowerLossMode> power_loss) {
  sim_->scheduler().CancelProcess(options_.process);
  jobs_.Stop();
  fs_->PowerOff();
  if (drop_engine) drop_engine();
  env_.DropJobs();
  fs_->PowerOn();
  fs_->CrashProcess();
  if (power_loss) fs_->PowerLoss(*power_loss);
  MQSIM_ASSERT(!fs_->powered_off());
}

}  // namespace mqsim::node
