#include "backends/sim_store.h"

#include "backends/memory_queue.h"
#include "backends/natsmq_queue.h"
#include "backends/rocksmq_queue.h"
#include "base/assert.h"

namespace mqsim::backends {

SimStore::SimStore(sim::Simulation* sim, SimStoreOptions options)
    : sim_(sim),
      options_(std::move(options)),
      node_(sim, node::SimNodeOptions{.process = options_.process,
                                      .dir = options_.dir,
                                      .disk = options_.disk,
                                      .disk_stream = {},
                                      .env_stream = {}}) {}

SimStore::~SimStore() {
  node_.jobs().Stop();
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
      absl::StatusOr<std::unique_ptr<rocksmq::RocksMQ>> mq =
          rocksmq::RocksMQ::Open(o, node_.RocksMqHost());
      if (!mq.ok()) return mq.status();
      node_.jobs().Start((*mq)->PeriodicJobs());
      local_ = std::make_unique<RocksMqQueue>(std::move(*mq));
      break;
    }
    case MqType::kNatsMq: {
      natsmq::NatsMqOptions o = options_.config.natsmq;
      o.store_dir = options_.dir + "/nats";
      absl::StatusOr<std::unique_ptr<natsmq::NatsStore>> store =
          natsmq::NatsStore::Open(o, node_.NatsHost());
      if (!store.ok()) return store.status();
      node_.jobs().Start((*store)->PeriodicJobs());
      sim::SimFileSystem* disk = &node_.disk();
      local_ = std::make_unique<NatsQueue>(
          std::move(*store), o, [disk](const std::string& dir) { return disk->FilesIn(dir); });
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
  node_.Crash(
      [this] {
        queue_ = nullptr;
        local_.reset();  // its destructor cannot write: the disk is off
      },
      power_loss);
  sim_->trace().Event("store.crash").Kv("power_loss", power_loss ? 1 : 0);
}

absl::Status SimStore::Close() {
  if (queue_ == nullptr) return absl::OkStatus();
  node_.jobs().Stop();
  absl::Status s = absl::OkStatus();
  if (local_) {
    s = local_->Close();
    local_.reset();
  }
  queue_ = nullptr;
  return s;
}

absl::Status SimStore::Stop() {
  sim_->scheduler().CancelProcess(options_.process);
  const absl::Status s = Close();
  sim_->trace().Event("store.stop").Kv("status", s.ToString());
  return s;
}

void SimStore::Reconfigure(MqType type, const MilvusMqConfig& config) {
  MQSIM_ASSERT_MSG(!up(), "SimStore::Reconfigure on a running store");
  options_.type = type;
  options_.config = config;
  broker_.reset();  // a remote broker of the old type is no longer this store's
  sim_->trace().Event("store.reconfigure").Kv("type", std::string(ToString(type)));
}

}  // namespace mqsim::backends
