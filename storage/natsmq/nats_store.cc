#include "storage/natsmq/nats_store.h"

#include <deque>

#include "base/assert.h"
#include "base/bug_modes.h"
#include "base/probe.h"
#include "base/status_macros.h"
#include "storage/file_io.h"
#include "storage/job_names.h"
#include "storage/natsmq/js_error.h"
#include "storage/natsmq/natsmq_config.h"
#include "storage/natsmq/probes.h"
#include "storage/natsmq/stream.h"

namespace mqsim::natsmq {

using storage::FromIo;
using storage::ListDirectory;
using storage::MakeDirectories;
using storage::ReadWholeFile;
using storage::RemoveTree;
using storage::SyncDirectory;
using storage::WriteFileAtomically;

struct NatsStore::Subscription {
  std::string stream;
  std::string durable;
  std::deque<StoredMsg> pending;
  uint64_t pending_bytes = 0;
  bool slow = false;
  DeliveryObserver on_deliver;
};

namespace {

absl::Status CheckStreamName(const std::string& name) {
  if (name.empty() || name.find_first_of(" .*>/\t\r\n") != std::string::npos) {
    return absl::InvalidArgumentError("natsmq: invalid stream name \"" + name + "\"");
  }
  return absl::OkStatus();
}

}  // namespace

NatsStore::NatsStore(NatsMqOptions options, NatsHost host)
    : options_(std::move(options)), host_(std::move(host)) {
  if (!host_.fs) host_.fs = rocksdb::FileSystem::Default();
  if (!host_.clock) host_.clock = rocksdb::SystemClock::Default();
}

NatsStore::~NatsStore() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!open_) return;
  for (auto& [name, stream] : streams_) (void)stream->Close();
}

int64_t NatsStore::NowNs() const { return static_cast<int64_t>(host_.clock->NowNanos()); }

absl::StatusOr<std::unique_ptr<NatsStore>> NatsStore::Open(const NatsMqOptions& options,
                                                           NatsHost host) {
  MQSIM_RETURN_IF_ERROR(ValidateNatsMqOptions(options));
  std::unique_ptr<NatsStore> store(new NatsStore(options, std::move(host)));
  const int64_t started = store->NowNs();
  MQSIM_RETURN_IF_ERROR(store->Recover());
  const int64_t took_ms = (store->NowNs() - started) / 1'000'000;
  if (took_ms > options.initialize_timeout_ms) {
    return absl::DeadlineExceededError("natsmq: server not ready: start-up and recovery took " +
                                       std::to_string(took_ms) +
                                       " ms, more than natsmq.server.initializeTimeout (" +
                                       std::to_string(options.initialize_timeout_ms) + " ms)");
  }
  store->open_ = true;
  return store;
}

absl::Status NatsStore::Recover() {
  const std::string root = options_.store_dir + "/jetstream";
  MQSIM_RETURN_IF_ERROR(MakeDirectories(*host_.fs, root));
  absl::StatusOr<std::vector<std::string>> names = ListDirectory(*host_.fs, root);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    absl::StatusOr<std::string> meta = ReadWholeFile(*host_.fs, root + "/" + name + "/meta.json");
    if (!meta.ok()) {
      // A stream whose creation never completed (meta.json is written, synced, first), or
      // whose deletion did (meta.json is removed, durably, first): finish removing it.
      MQSIM_RETURN_IF_ERROR(RemoveTree(*host_.fs, root + "/" + name));
      MQSIM_RETURN_IF_ERROR(SyncDirectory(*host_.fs, root));
      continue;
    }
    absl::StatusOr<std::unique_ptr<Stream>> stream =
        Stream::Recover(Stream::Env{host_.fs.get(), &options_}, root + "/" + name, NowNs());
    if (!stream.ok()) return stream.status();
    streams_[name] = std::move(*stream);
  }
  return absl::OkStatus();
}

absl::Status NatsStore::CheckOpen() const {
  if (!open_) return absl::FailedPreconditionError("natsmq: server is closed");
  return absl::OkStatus();
}

absl::StatusOr<NatsStore::Stream*> NatsStore::Find(const std::string& name) {
  MQSIM_RETURN_IF_ERROR(CheckOpen());
  auto it = streams_.find(name);
  if (it == streams_.end()) {
    return JsError(absl::StatusCode::kNotFound, kJsStreamNotFound, "stream not found");
  }
  return it->second.get();
}

uint64_t NatsStore::store_bytes() {
  uint64_t total = 0;
  for (const auto& [name, s] : streams_) total += s->bytes();
  return total;
}

// ------------------------------------------------------------------ streams

absl::Status NatsStore::AddStream(const StreamConfig& config) {
  std::lock_guard<std::mutex> lock(mu_);
  MQSIM_RETURN_IF_ERROR(CheckOpen());
  MQSIM_RETURN_IF_ERROR(CheckStreamName(config.name));
  if (config.max_age_ns > 0 && config.max_age_ns < 100'000'000) {
    return JsError(absl::StatusCode::kInvalidArgument, kJsMaxAgeTooSmall,
                   "max age needs to be >= 100ms");
  }
  if (config.max_bytes > options_.max_file_store_bytes) {
    return JsError(absl::StatusCode::kResourceExhausted, kJsStorageResourcesExceeded,
                   "insufficient storage resources available");
  }
  auto it = streams_.find(config.name);
  if (it != streams_.end()) {
    const StreamConfig& c = it->second->config();
    if (c.max_msgs == config.max_msgs && c.max_bytes == config.max_bytes &&
        c.max_age_ns == config.max_age_ns && c.max_msg_size == config.max_msg_size &&
        c.discard == config.discard) {
      return absl::OkStatus();
    }
    return JsError(absl::StatusCode::kAlreadyExists, kJsStreamNameExists,
                   "stream name already in use with a different configuration");
  }
  absl::StatusOr<std::unique_ptr<Stream>> stream =
      Stream::Create(Stream::Env{host_.fs.get(), &options_}, config,
                     options_.store_dir + "/jetstream/" + config.name);
  if (!stream.ok()) return stream.status();
  streams_[config.name] = std::move(*stream);
  return absl::OkStatus();
}

absl::Status NatsStore::UpdateStream(const StreamConfig& config) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Stream*> s = Find(config.name);
  if (!s.ok()) return s.status();
  if (config.max_age_ns > 0 && config.max_age_ns < 100'000'000) {
    return JsError(absl::StatusCode::kInvalidArgument, kJsMaxAgeTooSmall,
                   "max age needs to be >= 100ms");
  }
  MQSIM_RETURN_IF_ERROR((*s)->SetConfig(config, NowNs()));
  if (host_.waker) host_.waker();
  return absl::OkStatus();
}

absl::Status NatsStore::DeleteStream(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Stream*> s = Find(name);
  if (!s.ok()) return s.status();
  std::erase_if(subscriptions_, [&](const auto& kv) { return kv.second->stream == name; });
  MQSIM_RETURN_IF_ERROR((*s)->Destroy());
  streams_.erase(name);
  return absl::OkStatus();
}

absl::StatusOr<StreamState> NatsStore::GetStreamState(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Stream*> s = Find(name);
  if (!s.ok()) return s.status();
  return (*s)->State();
}

absl::StatusOr<FileUse> NatsStore::GetStreamFiles(const std::string& name,
                                                  const FileLister& lister) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Stream*> s = Find(name);
  if (!s.ok()) return s.status();
  return (*s)->Files(lister);
}

absl::StatusOr<StreamConfig> NatsStore::GetStreamConfig(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Stream*> s = Find(name);
  if (!s.ok()) return s.status();
  return (*s)->config();
}

std::vector<std::string> NatsStore::StreamNames() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, s] : streams_) names.push_back(name);
  return names;
}

// ------------------------------------------------------------------ messages

absl::StatusOr<uint64_t> NatsStore::Publish(const std::string& subject, const std::string& payload,
                                            const Headers& headers) {
  std::lock_guard<std::mutex> lock(mu_);
  MQSIM_RETURN_IF_ERROR(CheckOpen());
  const std::string header_block = EncodeHeaders(headers);
  if (static_cast<int64_t>(header_block.size() + payload.size()) > options_.max_payload_bytes) {
    MQSIM_PROBE(probes::kLimitMaxPayload);
    return absl::InvalidArgumentError(
        "nats: maximum payload exceeded (" + std::to_string(header_block.size() + payload.size()) +
        " bytes, natsmq.server.maxPayload is " + std::to_string(options_.max_payload_bytes) + ")");
  }
  auto it = streams_.find(subject);
  if (it == streams_.end()) {
    return absl::NotFoundError(
        "nats: no responders available for request (no stream for "
        "subject \"" +
        subject + "\")");
  }
  if (store_bytes() > static_cast<uint64_t>(options_.max_file_store_bytes)) {
    MQSIM_PROBE(probes::kLimitMaxFileStore);
    return JsError(absl::StatusCode::kResourceExhausted, kJsInsufficientResources,
                   "insufficient resources");
  }
  Stream& stream = *it->second;
  // Bug mode nats_expire_late: expiry runs only here, when someone publishes.
  if (MQSIM_BUG(kNatsExpireLate)) MQSIM_RETURN_IF_ERROR(stream.Expire(NowNs()));
  const bool arms_expiry = stream.config().max_age_ns > 0 && stream.State().msgs == 0;
  absl::StatusOr<uint64_t> seq = stream.Store(subject, header_block, payload, NowNs());
  if (!seq.ok()) return seq.status();
  if (arms_expiry && host_.waker) host_.waker();
  Deliver(stream);
  return seq;
}

absl::StatusOr<StoredMsg> NatsStore::GetMsg(const std::string& stream, uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Stream*> s = Find(stream);
  if (!s.ok()) return s.status();
  return (*s)->Get(seq);
}

absl::Status NatsStore::DeleteMsg(const std::string& stream, uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Stream*> s = Find(stream);
  if (!s.ok()) return s.status();
  return (*s)->Delete(seq, NowNs());
}

absl::Status NatsStore::Purge(const std::string& stream) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Stream*> s = Find(stream);
  if (!s.ok()) return s.status();
  return (*s)->Purge(NowNs());
}

// ------------------------------------------------------------------ consumers

absl::Status NatsStore::AddConsumer(const std::string& stream, const ConsumerConfig& config) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Stream*> s = Find(stream);
  if (!s.ok()) return s.status();
  return (*s)->AddConsumer(config);
}

absl::Status NatsStore::DeleteConsumer(const std::string& stream, const std::string& durable) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Stream*> s = Find(stream);
  if (!s.ok()) return s.status();
  std::erase_if(subscriptions_, [&](const auto& kv) {
    return kv.second->stream == stream && kv.second->durable == durable;
  });
  return (*s)->DeleteConsumer(durable);
}

absl::StatusOr<std::vector<StoredMsg>> NatsStore::Fetch(const std::string& stream,
                                                        const std::string& durable, int max) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Stream*> s = Find(stream);
  if (!s.ok()) return s.status();
  if (max <= 0) return absl::InvalidArgumentError("natsmq: fetch needs max > 0");
  return (*s)->Fetch(durable, max);
}

absl::Status NatsStore::Ack(const std::string& stream, const std::string& durable, uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Stream*> s = Find(stream);
  if (!s.ok()) return s.status();
  return (*s)->Ack(durable, seq);
}

absl::StatusOr<ConsumerInfo> NatsStore::GetConsumerInfo(const std::string& stream,
                                                        const std::string& durable) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Stream*> s = Find(stream);
  if (!s.ok()) return s.status();
  return (*s)->Info(durable);
}

// Moves newly stored messages of every subscription on this stream into its buffer; a
// subscriber holding more than maxPending bytes is cut off as a slow consumer.
void NatsStore::Deliver(Stream& stream) {
  for (auto& [id, sub] : subscriptions_) {
    if (sub->slow || sub->stream != stream.config().name) continue;
    absl::StatusOr<std::vector<StoredMsg>> fresh = stream.Fetch(sub->durable, INT32_MAX);
    if (!fresh.ok()) continue;
    if (!fresh->empty() && sub->on_deliver) sub->on_deliver(*fresh);
    for (StoredMsg& m : *fresh) {
      sub->pending_bytes += m.payload.size() + m.headers.size();
      sub->pending.push_back(std::move(m));
    }
    if (sub->pending_bytes > static_cast<uint64_t>(options_.max_pending_bytes)) {
      sub->slow = true;
      sub->pending.clear();
    }
  }
}

absl::StatusOr<uint64_t> NatsStore::Subscribe(const std::string& stream, const std::string& durable,
                                              DeliveryObserver on_deliver) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Stream*> s = Find(stream);
  if (!s.ok()) return s.status();
  if (!(*s)->HasConsumer(durable)) {
    return JsError(absl::StatusCode::kNotFound, kJsConsumerNotFound, "consumer not found");
  }
  const uint64_t id = next_subscription_++;
  auto sub = std::make_unique<Subscription>();
  sub->stream = stream;
  sub->durable = durable;
  sub->on_deliver = std::move(on_deliver);
  subscriptions_[id] = std::move(sub);
  Deliver(**s);
  return id;
}

absl::StatusOr<std::optional<StoredMsg>> NatsStore::NextMsg(uint64_t subscription) {
  std::lock_guard<std::mutex> lock(mu_);
  MQSIM_RETURN_IF_ERROR(CheckOpen());
  auto it = subscriptions_.find(subscription);
  if (it == subscriptions_.end()) {
    return absl::NotFoundError("nats: invalid subscription " + std::to_string(subscription));
  }
  Subscription& sub = *it->second;
  if (sub.slow) {
    return absl::ResourceExhaustedError("nats: slow consumer, messages dropped: subscriber of " +
                                        sub.stream + "/" + sub.durable +
                                        " buffered more than natsmq.server.maxPending (" +
                                        std::to_string(options_.max_pending_bytes) + " bytes)");
  }
  if (sub.pending.empty()) return std::optional<StoredMsg>();
  StoredMsg m = std::move(sub.pending.front());
  sub.pending.pop_front();
  sub.pending_bytes -= m.payload.size() + m.headers.size();
  // Milvus acks every message as it receives it. The ack moves the floor in memory first;
  // a failure to save it (a full disk, a failing write) does not take the message from the
  // subscriber, as an ack the server could not persist does not un-deliver a NATS message:
  // the floor is saved with the next ack, or the message comes again after a restart.
  (void)streams_.at(sub.stream)->Ack(sub.durable, m.seq);
  return std::optional<StoredMsg>(std::move(m));
}

absl::Status NatsStore::Unsubscribe(uint64_t subscription) {
  std::lock_guard<std::mutex> lock(mu_);
  subscriptions_.erase(subscription);
  return absl::OkStatus();
}

// ------------------------------------------------------------------ periodic work

absl::Status NatsStore::ExpireNow() {
  std::lock_guard<std::mutex> lock(mu_);
  MQSIM_RETURN_IF_ERROR(CheckOpen());
  if (MQSIM_BUG(kNatsExpireLate)) return absl::OkStatus();  // bug mode: no expiry timer
  const int64_t now = NowNs();
  for (auto& [name, s] : streams_) MQSIM_RETURN_IF_ERROR(s->Expire(now));
  return absl::OkStatus();
}

std::optional<int64_t> NatsStore::NextExpiryUs() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!open_) return std::nullopt;
  std::optional<int64_t> next;
  for (const auto& [name, s] : streams_) {
    const std::optional<int64_t> due = s->NextExpiryNs();
    if (due && (!next || *due < *next)) next = due;
  }
  if (!next) return std::nullopt;
  return (*next + 999) / 1000;
}

absl::Status NatsStore::SyncNow() {
  std::lock_guard<std::mutex> lock(mu_);
  MQSIM_RETURN_IF_ERROR(CheckOpen());
  for (auto& [name, s] : streams_) MQSIM_RETURN_IF_ERROR(s->Sync());
  return absl::OkStatus();
}

std::vector<storage::PeriodicJob> NatsStore::PeriodicJobs() {
  std::vector<storage::PeriodicJob> jobs;
  storage::PeriodicJob expire;
  expire.name = storage::jobs::kNatsExpire;
  expire.next_due_us = [this] { return NextExpiryUs(); };
  expire.run = [this] { return ExpireNow(); };
  jobs.push_back(std::move(expire));
  if (!options_.sync_always) {
    storage::PeriodicJob sync;
    sync.name = storage::jobs::kNatsSync;
    sync.interval_us = options_.sync_interval_ms * 1000;
    sync.run = [this] { return SyncNow(); };
    jobs.push_back(std::move(sync));
  }
  return jobs;
}

absl::Status NatsStore::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  MQSIM_RETURN_IF_ERROR(CheckOpen());
  open_ = false;
  subscriptions_.clear();
  absl::Status result = absl::OkStatus();
  for (auto& [name, s] : streams_) {
    absl::Status st = s->Close();
    if (result.ok()) result = st;
  }
  streams_.clear();
  return result;
}

}  // namespace mqsim::natsmq
