#include "backends/sim_store.h"

#include "backends/memory_queue.h"
#include "backends/natsmq_queue.h"
#include "backends/rocksmq_queue.h"
#include "sim/sim_rocksdb.h"

namespace mqsim::backends {

SimStore::SimStore(sim::Simulation* sim, SimStoreOptions options)
    : sim_(sim),
      options_(std::move(options)),
      fs_(std::make_shared<sim::SimFileSystem>(
          &sim->clock(), sim->Stream("disk." + std::to_string(options_.process)), &sim->trace(),
          options_.disk)),
      env_(&sim->scheduler(), fs_, sim->Stream("env." + std::to_string(options_.process)),
           options_.process),
      jobs_(&sim->scheduler(), options_.process) {
  fs_->MakeDirs(options_.dir);
}

SimStore::~SimStore() {
  jobs_.Stop();
  queue_ = nullptr;
  local_.reset();
}

bool SimStore::durable_acks() const {
  switch (options_.type) {
    case MqType::kRocksMq:
      return options_.config.rocksmq.produce_sync;
    case MqType::kNatsMq:
      return options_.config.natsmq.sync_always;
    default:
      return true;
  }
}

absl::Status SimStore::Open() {
  if (queue_ != nullptr) return absl::OkStatus();
  switch (options_.type) {
    case MqType::kRocksMq: {
      rocksmq::RocksMqOptions o = options_.config.rocksmq;
      o.path = options_.dir + "/rdb_data";
      rocksmq::RocksMqHost host;
      host.env = &env_;
      host.adjust_db_options = [this](rocksdb::Options* db) {
        *db = sim::SimRocksDbOptions(&env_, *db);
      };
      host.before_close = [this] { env_.DrainJobs(); };
      host.memory_bytes = 8ULL << 30;
      absl::StatusOr<std::unique_ptr<rocksmq::RocksMQ>> mq = rocksmq::RocksMQ::Open(o, host);
      if (!mq.ok()) return mq.status();
      jobs_.Start((*mq)->PeriodicJobs());
      local_ = std::make_unique<RocksMqQueue>(std::move(*mq));
      break;
    }
    case MqType::kNatsMq: {
      natsmq::NatsMqOptions o = options_.config.natsmq;
      o.store_dir = options_.dir + "/nats";
      absl::StatusOr<std::unique_ptr<natsmq::NatsStore>> store =
          natsmq::NatsStore::Open(o, natsmq::NatsHost{fs_, env_.GetSystemClock(), jobs_.Waker()});
      if (!store.ok()) return store.status();
      jobs_.Start((*store)->PeriodicJobs());
      local_ = std::make_unique<NatsQueue>(std::move(*store), o);
      break;
    }
    default: {
      if (!broker_) {
        MemoryQueueOptions o;
        o.type = options_.type;
        if (o.type == MqType::kPulsar)
          o.max_message_bytes = options_.config.pulsar.max_message_size;
        if (o.type == MqType::kKafka) o.max_message_bytes = options_.config.kafka.max_message_size;
        broker_ = std::make_unique<MemoryQueue>(o);
      }
      queue_ = broker_.get();
      sim_->trace().Event("store.open").Kv("type", std::string(ToString(options_.type)));
      return absl::OkStatus();
    }
  }
  queue_ = local_.get();
  sim_->trace().Event("store.open").Kv("type", std::string(ToString(options_.type)));
  return absl::OkStatus();
}

void SimStore::Crash(std::optional<sim::PowerLossMode> power_loss) {
  sim_->scheduler().CancelProcess(options_.process);
  jobs_.Stop();
  queue_ = nullptr;
  fs_->PowerOff();
  local_.reset();  // its destructor cannot write: the disk is off
  env_.DropJobs();
  fs_->PowerOn();  // also after a crash point powered the disk off inside a failed start
  fs_->CrashProcess();
  if (power_loss) fs_->PowerLoss(*power_loss);
  sim_->trace().Event("store.crash").Kv("power_loss", power_loss ? 1 : 0);
}

absl::Status SimStore::Close() {
  if (queue_ == nullptr) return absl::OkStatus();
  jobs_.Stop();
  absl::Status s = absl::OkStatus();
  if (local_) {
    s = local_->Close();
    local_.reset();
  }
  queue_ = nullptr;
  return s;
}

}  // namespace mqsim::backends
