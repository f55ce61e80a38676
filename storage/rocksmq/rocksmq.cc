#include "storage/rocksmq/rocksmq.h"

#include <rocksdb/cache.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "base/assert.h"
#include "base/bug_modes.h"
#include "base/buggify.h"
#include "base/fault_point.h"
#include "base/panic.h"
#include "storage/job_names.h"
#include "storage/rocksmq/fault_points.h"
#include "storage/rocksmq/rocksmq_config.h"

namespace mqsim::rocksmq {

namespace {

// Ids are reserved durably in blocks, so a power loss that drops unsynced messages never
// lets their ids be handed out again.
constexpr MessageId kIdReservationBlock = 1 << 20;

// A Produce writes the "/hwm/" and "/open/" checkpoint (key_codec.h) when a page closes or
// when this much was produced since the last one, so recovery reads at most about this
// much. Not on every Produce: the two records sort far from the topic's messages, and
// inserting them costs RocksDB's memtable two skip-list searches from the top per batch,
// where message keys alone are appends (most of the gap to a raw WriteBatch).
constexpr MessageId kCheckpointMessages = 1024;
constexpr uint64_t kCheckpointBytes = 1 << 20;

// Bug modes whose behaviour relies on the checkpoint of every Produce and on recovery
// trusting it alone, as the engine did before checkpoints were spaced out: decimal_keys
// (key order is not id order, so messages after a checkpoint cannot be found by a seek),
// page_meta_torn (the open page record is what a torn write leaves stale) and
// id_reuse_after_retention (ids restart below the checkpoint).
bool CheckpointEveryProduce() {
  return MQSIM_BUG(kDecimalKeys) || MQSIM_BUG(kPageMetaTorn) || MQSIM_BUG(kIdReuseAfterRetention);
}

// Room for a WriteBatch of these messages, so it is not regrown while it is filled.
size_t BatchBytes(std::string_view topic, std::span<const std::string> payloads) {
  constexpr size_t kBatchOverhead = 12 + 2 * 64;     // header, checkpoint and page records
  constexpr size_t kPerMessage = 1 + 5 + 5 + 1 + 8;  // tag, two varints, '/', id
  size_t bytes = kBatchOverhead;
  for (const std::string& p : payloads) bytes += kPerMessage + topic.size() + p.size();
  return bytes;
}

// Topic creation and destruction are rare and must survive power loss whatever
// produce_sync says (a topic lost from the registry would orphan its synced messages; a
// destroy whose data deletion is lost would hand old messages to a re-created topic).
rocksdb::WriteOptions Synced() {
  rocksdb::WriteOptions o;
  o.sync = true;
  return o;
}

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  const std::string message = "rocksmq: " + std::string(what) + ": " + s.ToString();
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsNotFound()) return absl::NotFoundError(message);
  return absl::UnavailableError(message);
}

uint64_t PhysicalMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page)
                               : 8ULL << 30;
}

std::string TopicError(std::string_view topic) {
  return "topic \"" + std::string(topic) + "\" does not exist";
}

}  // namespace

absl::Status ValidateTopicName(std::string_view topic) {
  if (topic.empty()) return absl::InvalidArgumentError("topic name is empty");
  if (topic.find('/') != std::string_view::npos) {
    return absl::InvalidArgumentError("topic name \"" + std::string(topic) + "\" contains \"/\"");
  }
  return absl::OkStatus();
}

RocksMQ::RocksMQ(RocksMqOptions options, RocksMqHost host)
    : options_(std::move(options)),
      host_(std::move(host)),
      env_(host_.env != nullptr ? host_.env : rocksdb::Env::Default()) {}

RocksMQ::~RocksMQ() {
  std::lock_guard<std::mutex> lock(mu_);
  if (serving_) (void)CloseLocked();
  CloseSubscriptions({});
}

absl::StatusOr<std::unique_ptr<RocksMQ>> RocksMQ::Open(const RocksMqOptions& options,
                                                       RocksMqHost host) {
  MQSIM_RETURN_IF_ERROR(ValidateRocksMqOptions(options));
  std::unique_ptr<RocksMQ> mq(new RocksMQ(options, std::move(host)));
  MQSIM_RETURN_IF_ERROR(mq->OpenDatabases());
  MQSIM_RETURN_IF_ERROR(mq->LoadTopics());
  mq->serving_ = true;
  return mq;
}

int64_t RocksMQ::NowMs() const {
  return static_cast<int64_t>(env_->GetSystemClock()->NowMicros() / 1000);
}

absl::Status RocksMQ::OpenDatabases() {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.env = env_;
  o.num_levels = static_cast<int>(options_.compression_types.size());
  for (int t : options_.compression_types) {
    o.compression_per_level.push_back(t == 7 ? rocksdb::kZSTD : rocksdb::kNoCompression);
  }
  rocksdb::BlockBasedTableOptions table;
  const uint64_t memory = host_.memory_bytes != 0 ? host_.memory_bytes : PhysicalMemoryBytes();
  table.block_cache = rocksdb::NewLRUCache(BlockCacheBytes(options_.lru_cache_ratio, memory));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (host_.adjust_db_options) host_.adjust_db_options(&o);

  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(o, options_.path, &raw);
  if (!s.ok()) return FromRocks(s, "open " + options_.path);
  store_.reset(raw);
  s = rocksdb::DB::Open(o, options_.path + "_meta_kv", &raw);
  if (!s.ok()) return FromRocks(s, "open " + options_.path + "_meta_kv");
  meta_.reset(raw);
  return absl::OkStatus();
}

absl::Status RocksMQ::LoadTopics() {
  std::unique_ptr<rocksdb::Iterator> it(meta_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(kTopicKeyPrefix); it->Valid() && it->key().starts_with(kTopicKeyPrefix);
       it->Next()) {
    const std::string name = it->key().ToString().substr(kTopicKeyPrefix.size());
    const auto created = DecodeU64(it->value().ToStringView());
    MQSIM_RETURN_IF_ERROR(LoadTopic(name, created ? static_cast<int64_t>(*created) : 0));
  }
  return FromRocks(it->status(), "load topics");
}

// Rebuilds one topic's in-memory state from the message DB.
absl::Status RocksMQ::LoadTopic(const std::string& name, int64_t created_ms) {
  if (MQSIM_FAULT_POINT(points::kRecoveryLoadTopic)) {
    return base::InjectedFault(points::kRecoveryLoadTopic, "loading topic " + name);
  }
  Topic t;
  t.created_ms = created_ms;
  std::string value;
  auto read_u64 = [&](const std::string& key, int64_t* out) -> absl::Status {
    const rocksdb::Status s = store_->Get(rocksdb::ReadOptions(), key, &value);
    if (s.IsNotFound()) return absl::OkStatus();
    if (!s.ok()) return FromRocks(s, "read " + name);
    const auto v = DecodeU64(value);
    if (!v) return absl::DataLossError("rocksmq: malformed record for topic " + name);
    *out = static_cast<int64_t>(*v);
    return absl::OkStatus();
  };
  int64_t open_bytes = 0;
  MQSIM_RETURN_IF_ERROR(read_u64(HighWaterKey(name), &t.high_water_mark));
  MQSIM_RETURN_IF_ERROR(read_u64(ReservationKey(name), &t.reserved));
  MQSIM_RETURN_IF_ERROR(read_u64(OpenPageKey(name), &open_bytes));
  t.open_bytes = static_cast<uint64_t>(open_bytes);
  t.checkpoint_id = t.high_water_mark;
  t.checkpoint_open_bytes = t.open_bytes;
  const bool ids_from_data = MQSIM_BUG(kIdReuseAfterRetention);

  std::unique_ptr<rocksdb::Iterator> it(store_->NewIterator(rocksdb::ReadOptions()));
  const std::string page_prefix = PagePrefix(name);
  for (it->Seek(page_prefix); it->Valid() && it->key().starts_with(page_prefix); it->Next()) {
    const auto last = DecodeU64(it->key().ToStringView().substr(page_prefix.size()));
    const auto page = DecodePage(it->value().ToStringView());
    if (!last || !page) return absl::DataLossError("rocksmq: malformed page of topic " + name);
    t.pages.emplace(static_cast<MessageId>(*last), *page);
  }
  MQSIM_RETURN_IF_ERROR(FromRocks(it->status(), "load pages of " + name));
  for (const auto& [last, page] : t.pages) {
    if (page.ack_ms == 0) break;
    t.acked_through = last;
  }
  if (!CheckpointEveryProduce()) MQSIM_RETURN_IF_ERROR(CountAfterCheckpoint(name, t, *it));
  // Ids up to the reservation may have been handed out before an unclean stop.
  t.id_floor = std::max(t.high_water_mark, t.reserved);
  const std::string prefix = MessagePrefix(name);
  it->Seek(prefix);
  if (it->Valid() && it->key().starts_with(prefix)) {
    t.first_id = *MessageIdOf(it->key().ToStringView(), prefix);
  } else {
    t.first_id = t.high_water_mark + 1;
  }
  MQSIM_RETURN_IF_ERROR(FromRocks(it->status(), "load messages of " + name));
  if (ids_from_data) {
    // Bug mode id_reuse_after_retention: the allocator restarts from the last message
    // found, not from the durable high-water mark and reservation; ids of messages that
    // are gone (retained, or lost unsynced) are handed out again.
    it->SeekForPrev(PrefixEnd(prefix));
    const MessageId last = it->Valid() && it->key().starts_with(prefix)
                               ? *MessageIdOf(it->key().ToStringView(), prefix)
                               : 0;
    t.high_water_mark = last;
    t.reserved = last;
    t.id_floor = last;
  }
  topics_.insert_or_assign(name, std::move(t));
  return absl::OkStatus();
}

absl::Status RocksMQ::CountAfterCheckpoint(const std::string& name, Topic& t,
                                           rocksdb::Iterator& it) {
  MessageId after = t.checkpoint_id;
  // Every page close writes a checkpoint, so none is older than the last page; if one were,
  // the open page would start after that page.
  if (!t.pages.empty() && t.pages.rbegin()->first > after) {
    after = t.pages.rbegin()->first;
    t.high_water_mark = after;
    t.open_bytes = 0;
    t.checkpoint_id = after;  // what that page close would have written
    t.checkpoint_open_bytes = 0;
  }
  // Retention deletes closed pages only, so the open page's messages are all still here.
  const std::string prefix = MessagePrefix(name);
  for (it.Seek(MessageKey(name, after + 1)); it.Valid() && it.key().starts_with(prefix);
       it.Next()) {
    const std::optional<MessageId> id = MessageIdOf(it.key().ToStringView(), prefix);
    if (!id) return absl::DataLossError("rocksmq: malformed message key in topic " + name);
    t.high_water_mark = *id;
    t.open_bytes += it.value().size();
  }
  return FromRocks(it.status(), "load the open page of " + name);
}

void RocksMQ::PutCheckpoint(const std::string& name, MessageId hwm, uint64_t open_bytes,
                            rocksdb::WriteBatch& batch, rocksdb::WriteBatch& page_batch) {
  batch.Put(HighWaterKey(name), EncodeU64(static_cast<uint64_t>(hwm)));
  page_batch.Put(OpenPageKey(name), EncodeU64(open_bytes));
}

absl::Status RocksMQ::CheckServing() const {
  if (!serving_) return absl::FailedPreconditionError("Rocksmq is not serving (it was closed)");
  return absl::OkStatus();
}

absl::Status RocksMQ::Ready() {
  MQSIM_RETURN_IF_ERROR(CheckServing());
  if (!degraded_) return absl::OkStatus();
  // Back off between attempts (1 s, doubling to 16 s): a disk that is still full would
  // otherwise make every call reopen both databases.
  const int64_t now = NowMs();
  if (now < next_reopen_ms_) {
    return absl::UnavailableError("rocksmq: recovering from a failed write; next attempt in " +
                                  std::to_string(next_reopen_ms_ - now) + " ms");
  }
  const absl::Status s = Reopen();
  if (!s.ok()) {
    reopen_backoff_ms_ = std::min<int64_t>(reopen_backoff_ms_ * 2, 16'000);
    next_reopen_ms_ = now + reopen_backoff_ms_;
    return s;
  }
  reopen_backoff_ms_ = 500;
  next_reopen_ms_ = 0;
  return absl::OkStatus();
}

// After a failed write RocksDB stays read-only; its own recovery runs on a thread of its
// own (suppressed in the simulation, and not relied on natively). The engine instead
// reopens both databases before its next operation, keeping consumer groups, so service
// resumes as soon as the disk has space again.
absl::Status RocksMQ::Reopen() {
  // Groups survive failed attempts (the disk may still be full): kept until one succeeds.
  for (auto& [name, t] : topics_) {
    for (auto& [group, position] : t.groups) saved_groups_[name][group] = position;
  }
  topics_.clear();
  if (host_.before_close) host_.before_close();
  for (std::unique_ptr<rocksdb::DB>* db : {&store_, &meta_}) {
    if (*db) (void)(*db)->Close();
    db->reset();
  }
  MQSIM_RETURN_IF_ERROR(OpenDatabases());
  MQSIM_RETURN_IF_ERROR(LoadTopics());
  degraded_ = false;
  std::map<std::string, std::map<std::string, MessageId, std::less<>>> groups;
  groups.swap(saved_groups_);
  for (auto& [name, g] : groups) {
    auto it = topics_.find(name);
    if (it != topics_.end()) {
      it->second.groups = std::move(g);
      MQSIM_RETURN_IF_ERROR(UpdateAcks(name, it->second));
    }
  }
  return absl::OkStatus();
}

rocksdb::Status RocksMQ::PutOne(rocksdb::DB* db, const std::string& key, const std::string& value) {
  const rocksdb::Status s = db->Put(Synced(), key, value);
  if (!s.ok()) degraded_ = true;
  return s;
}

absl::Status RocksMQ::Write(rocksdb::DB* db, const rocksdb::WriteOptions& options,
                            rocksdb::WriteBatch* batch, const std::string& what,
                            const char* fault_point) {
  if (fault_point != nullptr && MQSIM_FAULT_POINT(fault_point)) {
    degraded_ = true;  // as after a real failed write: reopen before the next operation
    return base::InjectedFault(fault_point, what);
  }
  const rocksdb::Status s = db->Write(options, batch);
  if (!s.ok()) degraded_ = true;
  return FromRocks(s, what);
}

absl::StatusOr<RocksMQ::Topic*> RocksMQ::FindTopic(std::string_view topic) {
  MQSIM_RETURN_IF_ERROR(Ready());
  MQSIM_RETURN_IF_ERROR(ValidateTopicName(topic));
  auto it = topics_.find(topic);
  if (it == topics_.end()) return absl::NotFoundError(TopicError(topic));
  return &it->second;
}

absl::StatusOr<MessageId*> RocksMQ::FindGroup(Topic& t, std::string_view topic,
                                              std::string_view group) {
  auto it = t.groups.find(group);
  if (it == t.groups.end()) {
    return absl::NotFoundError("consumer group \"" + std::string(group) +
                               "\" does not exist on topic \"" + std::string(topic) + "\"");
  }
  return &it->second;
}

absl::StatusOr<RocksMQ::GroupRef> RocksMQ::FindPosition(std::string_view topic,
                                                        std::string_view group) {
  absl::StatusOr<Topic*> found = FindTopic(topic);
  if (!found.ok()) return found.status();
  absl::StatusOr<MessageId*> pos = FindGroup(**found, topic, group);
  if (!pos.ok()) return pos.status();
  return GroupRef{*found, *pos};
}

MessageId RocksMQ::Latest(const Topic& t) const {
  return t.first_id <= t.high_water_mark ? t.high_water_mark : -1;
}

// ------------------------------------------------------------------ topics

absl::Status RocksMQ::CreateTopic(std::string_view topic) {
  std::lock_guard<std::mutex> lock(mu_);
  MQSIM_RETURN_IF_ERROR(Ready());
  MQSIM_RETURN_IF_ERROR(ValidateTopicName(topic));
  if (topics_.count(topic) != 0) return absl::OkStatus();
  const std::string name(topic);
  const int64_t now = NowMs();
  MQSIM_RETURN_IF_ERROR(
      FromRocks(PutOne(meta_.get(), TopicKey(name), EncodeU64(static_cast<uint64_t>(now))),
                "create topic " + name));
  // A previously destroyed topic of this name left its id high-water mark: ids continue.
  return LoadTopic(name, now);
}

absl::Status RocksMQ::DestroyTopic(std::string_view topic) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Topic*> found = FindTopic(topic);
  if (!found.ok()) return found.status();
  const std::string name(topic);
  // Data first, registry second: a crash in between leaves an empty topic, never a
  // re-creatable topic with old messages in it.
  rocksdb::WriteBatch batch;
  const std::string prefix = MessagePrefix(name);
  if (!MQSIM_BUG(kDestroyKeepsData))
    batch.DeleteRange(prefix, PrefixEnd(prefix));  // bug mode: data stays
  const std::string page_prefix = PagePrefix(name);
  batch.DeleteRange(page_prefix, PrefixEnd(page_prefix));
  batch.Delete(OpenPageKey(name));
  // No id beyond the high-water mark was handed out: a re-created topic continues at hwm + 1.
  // The high-water mark is written too: its checkpoint may be older, and no message is left
  // to count from.
  const Topic& t = **found;
  batch.Put(HighWaterKey(name), EncodeU64(static_cast<uint64_t>(t.high_water_mark)));
  batch.Put(ReservationKey(name), EncodeU64(static_cast<uint64_t>(t.high_water_mark)));
  MQSIM_RETURN_IF_ERROR(Write(store_.get(), Synced(), &batch, "destroy topic " + name));
  rocksdb::WriteBatch unregister;
  unregister.Delete(TopicKey(name));
  MQSIM_RETURN_IF_ERROR(
      Write(meta_.get(), Synced(), &unregister, "destroy topic " + name, points::kDestroyBetween));
  topics_.erase(topics_.find(topic));
  CloseSubscriptions(name);
  return absl::OkStatus();
}

bool RocksMQ::ExistTopic(std::string_view topic) {
  std::lock_guard<std::mutex> lock(mu_);
  return serving_ && topics_.count(topic) != 0;
}

// ------------------------------------------------------------------ produce

absl::StatusOr<std::vector<MessageId>> RocksMQ::Produce(std::string_view topic,
                                                        std::span<const std::string> payloads) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Topic*> found = FindTopic(topic);
  if (!found.ok()) return found.status();
  Topic& t = **found;
  const std::string name(topic);
  if (payloads.empty()) {
    return absl::InvalidArgumentError("produce to topic \"" + name + "\": no messages");
  }
  const MessageId first = std::max(t.high_water_mark, t.id_floor) + 1;
  const MessageId last = first + static_cast<MessageId>(payloads.size()) - 1;
  if (last > t.reserved) {
    const MessageId reserve =
        last + (MQSIM_BUGGIFY(points::kBuggifySmallReservation) ? 1 : kIdReservationBlock);
    rocksdb::WriteBatch reservation;
    reservation.Put(ReservationKey(name), EncodeU64(static_cast<uint64_t>(reserve)));
    MQSIM_RETURN_IF_ERROR(Write(store_.get(), Synced(), &reservation, "reserve ids for " + name,
                                points::kReserveIds));
    t.reserved = reserve;
  }
  const int64_t now = NowMs();
  rocksdb::WriteBatch batch(BatchBytes(name, payloads));
  rocksdb::WriteBatch page_batch;  // the same batch unless bug mode page_meta_torn splits it
  const bool torn = MQSIM_BUG(kPageMetaTorn);
  rocksdb::WriteBatch& page_writes = torn ? page_batch : batch;
  uint64_t open_bytes = t.open_bytes;
  // The open page starts after the last closed page; with none, at the first surviving
  // message (or, on an empty topic, at this batch).
  MessageId page_first = !t.pages.empty()                 ? t.pages.rbegin()->first + 1
                         : t.first_id > t.high_water_mark ? first
                                                          : t.first_id;
  std::vector<std::pair<MessageId, PageRecord>> closed;
  std::vector<MessageId> ids;
  ids.reserve(payloads.size());
  MessageKeyBuilder keys(name);
  for (size_t i = 0; i < payloads.size(); ++i) {
    const MessageId id = first + static_cast<MessageId>(i);
    batch.Put(keys.Key(id), payloads[i]);
    ids.push_back(id);
    const uint64_t size = payloads[i].size();
    if (open_bytes + size > static_cast<uint64_t>(options_.page_size_bytes)) {
      const PageRecord page{page_first, open_bytes + size, now, 0};
      page_writes.Put(PageKey(name, id), EncodePage(page));
      closed.emplace_back(id, page);
      open_bytes = 0;
      page_first = id + 1;
    } else {
      open_bytes += size;
    }
  }
  // Between checkpoints no page closes: the open page only grew.
  const bool every = CheckpointEveryProduce();
  MQSIM_ASSERT(every || !closed.empty() || open_bytes >= t.checkpoint_open_bytes);
  const bool checkpoint = every || !closed.empty() ||
                          last - t.checkpoint_id >= kCheckpointMessages ||
                          open_bytes - t.checkpoint_open_bytes >= kCheckpointBytes;
  if (checkpoint) PutCheckpoint(name, last, open_bytes, batch, page_writes);
  rocksdb::WriteOptions wo;
  wo.sync = options_.produce_sync && !MQSIM_BUG(kSkipWalSync);  // bug mode: no fsync
  MQSIM_RETURN_IF_ERROR(
      Write(store_.get(), wo, &batch, "produce to " + name, points::kProduceBeforeWrite));
  if (t.first_id > t.high_water_mark) t.first_id = first;  // the topic was empty
  t.high_water_mark = last;
  SignalSubscriptions(name);
  if (torn) {
    // Bug mode page_meta_torn (Milvus Produce): the messages are written, then the page
    // bookkeeping in a second write. A failure or crash in between leaves stored messages
    // that no page accounts for, and recovery does not repair it.
    if (MQSIM_FAULT_POINT(points::kProduceAfterWrite)) {
      return base::InjectedFault(points::kProduceAfterWrite, "page bookkeeping of " + name);
    }
    MQSIM_RETURN_IF_ERROR(
        Write(store_.get(), wo, &page_batch, "page bookkeeping of " + name, nullptr));
  }
  t.open_bytes = open_bytes;
  if (checkpoint) {
    t.checkpoint_id = last;
    t.checkpoint_open_bytes = open_bytes;
  }
  for (const auto& [id, page] : closed) t.pages.emplace(id, page);
  if (MQSIM_BUGGIFY(points::kBuggifyFlush)) {
    rocksdb::FlushOptions fo;
    fo.wait = false;  // scheduled as a background job, never waited for inline
    fo.allow_write_stall = true;
    (void)store_->Flush(fo);
  }
  // New closed pages may already be behind every group (e.g. after SeekToLatest). The
  // messages are stored whatever happens to this bookkeeping (see Consume).
  (void)UpdateAcks(name, t);
  // The messages are stored; only the caller does not learn it (as a lost reply). In bug
  // mode page_meta_torn the point was evaluated between the two writes instead (once per
  // Produce either way).
  if (!torn && MQSIM_FAULT_POINT(points::kProduceAfterWrite)) {
    return base::InjectedFault(points::kProduceAfterWrite, "acknowledging produce to " + name);
  }
  return ids;
}

// ------------------------------------------------------------------ groups

absl::Status RocksMQ::CreateConsumerGroup(std::string_view topic, std::string_view group) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Topic*> found = FindTopic(topic);
  if (!found.ok()) return found.status();
  if (group.empty()) return absl::InvalidArgumentError("consumer group name is empty");
  if (!(*found)->groups.emplace(std::string(group), kEarliest).second) {
    return absl::AlreadyExistsError("consumer group \"" + std::string(group) +
                                    "\" already exists on topic \"" + std::string(topic) + "\"");
  }
  return absl::OkStatus();
}

absl::Status RocksMQ::DestroyConsumerGroup(std::string_view topic, std::string_view group) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Topic*> found = FindTopic(topic);
  if (!found.ok()) return found.status();
  Topic& t = **found;
  auto it = t.groups.find(group);
  if (it == t.groups.end()) return absl::OkStatus();
  t.groups.erase(it);
  CloseSubscriptions(topic, group);
  (void)UpdateAcks(topic, t);  // a slow group leaving may ack pages (bookkeeping, as in Consume)
  return absl::OkStatus();
}

absl::StatusOr<bool> RocksMQ::ExistConsumerGroup(std::string_view topic, std::string_view group) {
  std::lock_guard<std::mutex> lock(mu_);
  MQSIM_RETURN_IF_ERROR(Ready());
  auto it = topics_.find(topic);
  return it != topics_.end() && it->second.groups.count(group) != 0;
}

absl::StatusOr<MessageId> RocksMQ::GetPosition(std::string_view topic, std::string_view group) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<GroupRef> ref = FindPosition(topic, group);
  if (!ref.ok()) return ref.status();
  return *ref->position;
}

// A closed page is acked when every group's position is beyond its last id; its ack time is
// set once, the first time that holds. A topic without groups acks nothing.
absl::Status RocksMQ::UpdateAcks(std::string_view name, Topic& t) {
  // Nothing to do without groups or without a closed page not acked yet (most Produces).
  if (t.groups.empty() || t.pages.upper_bound(t.acked_through) == t.pages.end()) {
    return absl::OkStatus();
  }
  MessageId min_position = INT64_MAX;
  for (const auto& [group, position] : t.groups) min_position = std::min(min_position, position);
  if (min_position == kEarliest) return absl::OkStatus();
  const int64_t now = NowMs();
  rocksdb::WriteBatch batch;
  // A page is read once every group's next id is past its last id. Bug mode
  // ack_off_by_one: a group sitting exactly on the last id counts as past it.
  const bool off_by_one = MQSIM_BUG(kAckOffByOne);
  auto read_by_all = [&](MessageId last) {
    return last < min_position || (off_by_one && last == min_position);
  };
  if (MQSIM_BUG(kAckPageMissed)) {
    // Bug mode ack_page_missed (milvus#19574): only the newest page the groups passed gets
    // its ack time; pages passed in the same step before it never do.
    auto newest = t.pages.end();
    for (auto it = t.pages.upper_bound(t.acked_through);
         it != t.pages.end() && read_by_all(it->first); ++it) {
      newest = it;
    }
    if (newest != t.pages.end()) {
      newest->second.ack_ms = now;
      batch.Put(PageKey(name, newest->first), EncodePage(newest->second));
      t.acked_through = newest->first;
    }
  } else {
    for (auto it = t.pages.upper_bound(t.acked_through);
         it != t.pages.end() && read_by_all(it->first); ++it) {
      MQSIM_ASSERT(it->second.ack_ms == 0);
      it->second.ack_ms = now;
      batch.Put(PageKey(name, it->first), EncodePage(it->second));
      t.acked_through = it->first;
    }
  }
  if (batch.Count() == 0) return absl::OkStatus();
  return Write(store_.get(), rocksdb::WriteOptions(), &batch, "ack pages of " + std::string(name),
               points::kAckWrite);
}

// ------------------------------------------------------------------ consume and seek

absl::StatusOr<std::vector<ConsumerMessage>> RocksMQ::Consume(std::string_view topic,
                                                              std::string_view group, int n) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<GroupRef> ref = FindPosition(topic, group);
  if (!ref.ok()) return ref.status();
  Topic& t = *ref->topic;
  MessageId& pos = *ref->position;
  if (n <= 0) return absl::InvalidArgumentError("consume: n must be positive");
  std::vector<ConsumerMessage> out;
  const MessageId start = pos == kEarliest ? t.first_id : pos;
  if (start > t.high_water_mark) return out;
  out.reserve(static_cast<size_t>(std::min<MessageId>(n, t.high_water_mark - start + 1)));
  const std::string prefix = MessagePrefix(topic);
  // Bounded to the topic: past its last message the iterator stops at once, rather than
  // stepping over whatever follows in key order (the next topic's retained messages, which
  // a range deletion hides but the memtable still holds, one skip each).
  const std::string end = PrefixEnd(prefix);
  const rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  const std::string first_key = MessageKey(topic, start);
  // A group that keeps up reads what is still in the memtables. If the first message it
  // wants is there, so is every later one of the topic: they were written after it, and
  // memtables reach the SST files oldest first. A range deletion in an SST file cannot hide
  // them either (it only covers older writes). Then an iterator over the memtables alone
  // returns the same messages without seeking in every SST file. Otherwise (the message is
  // flushed, retained away or was never written), the full iterator. Not in bug mode
  // decimal_keys, where key order is not write order.
  std::unique_ptr<rocksdb::Iterator> it;
  if (!MQSIM_BUG(kDecimalKeys)) {
    rocksdb::ReadOptions memtables = ro;
    memtables.read_tier = rocksdb::kMemtableTier;
    it.reset(store_->NewIterator(memtables));
    it->Seek(first_key);
    if (!it->status().ok() || !it->Valid() || it->key() != rocksdb::Slice(first_key)) it.reset();
  }
  if (!it) {
    it.reset(store_->NewIterator(ro));
    it->Seek(first_key);
  }
  for (; it->Valid() && it->key().starts_with(prefix) && static_cast<int>(out.size()) < n;
       it->Next()) {
    const auto id = MessageIdOf(it->key().ToStringView(), prefix);
    if (!id) return absl::DataLossError("rocksmq: malformed message key in " + std::string(topic));
    out.push_back(ConsumerMessage{*id, it->value().ToString()});
  }
  MQSIM_RETURN_IF_ERROR(FromRocks(it->status(), "consume from " + std::string(topic)));
  if (!out.empty() && MQSIM_BUG(kAckRefresh)) {
    // Bug mode ack_refresh: re-reading an acked page refreshes its ack time, so retention
    // of pages that anyone re-reads keeps being pushed back.
    rocksdb::WriteBatch refresh;
    const int64_t now = NowMs();
    for (auto p = t.pages.lower_bound(out.front().id);
         p != t.pages.end() && p->first <= t.acked_through; ++p) {
      p->second.ack_ms = now;
      refresh.Put(PageKey(topic, p->first), EncodePage(p->second));
    }
    if (refresh.Count() > 0)
      (void)Write(store_.get(), rocksdb::WriteOptions(), &refresh, "refresh acks");
  }
  if (!out.empty()) {
    pos = out.back().id + 1;
    // The messages are delivered whatever happens to the page-ack bookkeeping: a failed
    // ack write leaves the databases to be reopened, and reopening recomputes the acks.
    // (Failing the call here would lose these messages: the position has moved on.)
    (void)UpdateAcks(topic, t);
  }
  return out;
}

absl::Status RocksMQ::Seek(std::string_view topic, std::string_view group, MessageId id) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<GroupRef> ref = FindPosition(topic, group);
  if (!ref.ok()) return ref.status();
  Topic& t = *ref->topic;
  MessageId& pos = *ref->position;
  if (id < 0) {
    return absl::InvalidArgumentError("seek on topic \"" + std::string(topic) + "\": message id " +
                                      std::to_string(id) + " is negative");
  }
  if (MQSIM_BUG(kSeekBackwardAbort) && pos != kEarliest && id < pos) {
    // Bug mode seek_backward_abort (milvus#20079): the engine panics on a backward seek.
    base::EnginePanic("rocksmq: seek backwards on topic " + std::string(topic));
    return absl::InternalError("rocksmq panicked: seek backwards");
  }
  // Consume reads the first surviving id >= the position, so a retained-away or never
  // written id lands on the next surviving message; beyond latest, on latest + 1.
  pos = std::min(id, std::max(t.high_water_mark, t.id_floor) + 1);
  if (MQSIM_BUG(kSeekMissingToEarliest) && pos <= t.high_water_mark) {
    // Bug mode seek_missing_to_earliest (milvus#27535): a missing id resets to earliest.
    std::string ignored;
    if (store_->Get(rocksdb::ReadOptions(), MessageKey(topic, id), &ignored).IsNotFound()) {
      pos = kEarliest;
    }
  }
  (void)UpdateAcks(topic, t);  // as in Consume: the seek has happened
  return absl::OkStatus();
}

absl::Status RocksMQ::SeekToLatest(std::string_view topic, std::string_view group) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<GroupRef> ref = FindPosition(topic, group);
  if (!ref.ok()) return ref.status();
  Topic& t = *ref->topic;
  MessageId& pos = *ref->position;
  pos = t.high_water_mark + 1;
  return UpdateAcks(topic, t);
}

absl::StatusOr<MessageId> RocksMQ::GetLatestMsg(std::string_view topic) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Topic*> found = FindTopic(topic);
  if (!found.ok()) return found.status();
  if (MQSIM_BUG(kLatestPrefix)) {
    // Bug mode latest_prefix (milvus#11027): the last key that starts with the topic's
    // name, without the separator: "dml_0" finds "dml_0_4490v0/..." keys too.
    std::unique_ptr<rocksdb::Iterator> it(store_->NewIterator(rocksdb::ReadOptions()));
    it->SeekForPrev(std::string(topic) + "\xff");
    if (!it->Valid() || !it->key().starts_with(topic)) return MessageId{-1};
    const std::string key = it->key().ToString();
    const size_t slash = key.find('/');
    if (slash == std::string::npos) return MessageId{-1};
    return MessageIdOf(key, key.substr(0, slash + 1)).value_or(-1);
  }
  return Latest(**found);
}

// ------------------------------------------------------------------ retention

absl::Status RocksMQ::RunRetention() {
  std::lock_guard<std::mutex> lock(mu_);
  MQSIM_RETURN_IF_ERROR(Ready());
  const int64_t now = NowMs();
  for (auto& [name, t] : topics_) MQSIM_RETURN_IF_ERROR(RetainTopic(name, t, now));
  return absl::OkStatus();
}

absl::Status RocksMQ::RetainTopic(const std::string& name, Topic& t, int64_t now_ms) {
  const bool time_rule = options_.retention_time_minutes >= 0;
  const bool size_rule = options_.retention_size_mb >= 0;
  if (!time_rule && !size_rule) return absl::OkStatus();
  const int64_t retention_ms =
      time_rule ? static_cast<int64_t>(std::llround(options_.retention_time_minutes * 60000.0)) : 0;
  const uint64_t limit_bytes =
      size_rule ? static_cast<uint64_t>(options_.retention_size_mb) << 20 : 0;
  uint64_t acked_bytes = 0;
  for (auto it = t.pages.begin(); it != t.pages.end() && it->second.ack_ms != 0; ++it) {
    acked_bytes += it->second.bytes;
  }
  auto doomed_end = t.pages.begin();
  // 1. time rule, 2. size rule; both walk oldest first and stop at the first unacked page.
  while (time_rule && doomed_end != t.pages.end() && doomed_end->second.ack_ms != 0 &&
         doomed_end->second.ack_ms + retention_ms < now_ms) {
    acked_bytes -= doomed_end->second.bytes;
    ++doomed_end;
  }
  while (size_rule && doomed_end != t.pages.end() && doomed_end->second.ack_ms != 0 &&
         acked_bytes - doomed_end->second.bytes > limit_bytes) {
    acked_bytes -= doomed_end->second.bytes;
    ++doomed_end;
  }
  if (doomed_end == t.pages.begin()) return absl::OkStatus();
  // A pass that does less is only late: the rest goes at a later tick.
  if (MQSIM_BUGGIFY(points::kBuggifyRetentionOnePage)) doomed_end = std::next(t.pages.begin());
  const MessageId last_deleted = std::prev(doomed_end)->first;
  if (MQSIM_BUG(kMetaBeforeData)) {
    // Bug mode meta_before_data (before Milvus PR #9694): the page records go first, then
    // the messages of the doomed pages by the ids the records gave. A failure or crash in
    // between leaves messages no page describes; no later pass ever deletes them.
    const MessageId from = t.pages.begin()->second.first_id;
    rocksdb::WriteBatch pages;
    for (auto it = t.pages.begin(); it != doomed_end; ++it) pages.Delete(PageKey(name, it->first));
    MQSIM_RETURN_IF_ERROR(Write(store_.get(), rocksdb::WriteOptions(), &pages,
                                "retention of " + name + " (pages)", nullptr));
    t.pages.erase(t.pages.begin(), doomed_end);
    rocksdb::WriteBatch messages;
    messages.DeleteRange(MessageKey(name, from), MessageKey(name, last_deleted + 1));
    MQSIM_RETURN_IF_ERROR(Write(store_.get(), rocksdb::WriteOptions(), &messages,
                                "retention of " + name, points::kRetentionDelete));
    t.first_id = std::max(t.first_id, last_deleted + 1);
    return absl::OkStatus();
  }
  // Messages and their page records go in one batch: a crash cannot separate them.
  rocksdb::WriteBatch batch;
  batch.DeleteRange(MessageKey(name, 0), MessageKey(name, last_deleted + 1));
  for (auto it = t.pages.begin(); it != doomed_end; ++it) batch.Delete(PageKey(name, it->first));
  MQSIM_RETURN_IF_ERROR(Write(store_.get(), rocksdb::WriteOptions(), &batch, "retention of " + name,
                              points::kRetentionDelete));
  t.pages.erase(t.pages.begin(), doomed_end);
  t.first_id = std::max(t.first_id, last_deleted + 1);
  return absl::OkStatus();
}

absl::Status RocksMQ::CompactDb(rocksdb::DB* db) {
  if (MQSIM_FAULT_POINT(points::kCompaction)) {
    return base::InjectedFault(points::kCompaction, "compaction");
  }
  rocksdb::ColumnFamilyMetaData meta;
  db->GetColumnFamilyMetaData(&meta);
  std::vector<std::string> inputs;
  for (const auto& level : meta.levels) {
    for (const auto& file : level.files) {
      if (!file.being_compacted) inputs.push_back(file.name);
    }
  }
  if (inputs.empty()) return absl::OkStatus();
  // Inline, non-waiting: CompactFiles runs on the calling thread (safe in the simulation,
  // unlike CompactRange, which waits for background threads).
  rocksdb::CompactionOptions co;
  const rocksdb::Status s = db->CompactFiles(co, inputs, static_cast<int>(meta.levels.size()) - 1);
  if (s.IsAborted() || s.IsInvalidArgument()) return absl::OkStatus();  // raced a compaction
  return FromRocks(s, "compaction");
}

absl::Status RocksMQ::Compact() {
  std::lock_guard<std::mutex> lock(mu_);
  MQSIM_RETURN_IF_ERROR(Ready());
  MQSIM_RETURN_IF_ERROR(CompactDb(store_.get()));
  return CompactDb(meta_.get());
}

std::vector<storage::PeriodicJob> RocksMQ::PeriodicJobs() {
  return {
      storage::PeriodicJob{storage::jobs::kRocksMqRetention,
                           options_.ticker_interval_s * 1'000'000,
                           {},
                           [this] { (void)RunRetention(); }},
      storage::PeriodicJob{storage::jobs::kRocksMqCompaction,
                           options_.compaction_interval_s * 1'000'000,
                           {},
                           [this] { (void)Compact(); }},
  };
}

absl::StatusOr<TopicStats> RocksMQ::Stats(std::string_view topic) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Topic*> found = FindTopic(topic);
  if (!found.ok()) return found.status();
  const Topic& t = **found;
  TopicStats stats{t.first_id <= t.high_water_mark ? t.first_id : -1,
                   Latest(t),
                   t.high_water_mark,
                   t.open_bytes,
                   {}};
  for (const auto& [last, page] : t.pages) stats.pages.push_back(PageInfo{last, page});
  return stats;
}

// ------------------------------------------------------------------ subscriptions

absl::StatusOr<std::shared_ptr<Subscription>> RocksMQ::Subscribe(std::string_view topic,
                                                                 std::string_view group,
                                                                 SubscriptionOptions options) {
  std::function<void()> wake;
  std::shared_ptr<Subscription> sub;
  {
    std::lock_guard<std::mutex> lock(mu_);
    absl::StatusOr<GroupRef> ref = FindPosition(topic, group);
    if (!ref.ok()) return ref.status();
    if (options.buffer == 0 || options.batch <= 0) {
      return absl::InvalidArgumentError("subscription needs a buffer and a batch of at least 1");
    }
    wake = options.wake;
    sub = std::make_shared<Subscription>(this, std::string(topic), std::string(group),
                                         std::move(options));
    subscriptions_[std::string(topic)].push_back(sub);
  }
  if (wake) wake();  // the group may already have messages
  return sub;
}

void RocksMQ::SignalSubscriptions(const std::string& topic) {
  auto it = subscriptions_.find(topic);
  if (it == subscriptions_.end()) return;
  std::vector<std::weak_ptr<Subscription>>& subs = it->second;
  std::erase_if(subs, [](const std::weak_ptr<Subscription>& w) { return w.expired(); });
  for (const std::weak_ptr<Subscription>& w : subs) {
    if (std::shared_ptr<Subscription> s = w.lock()) s->Signal();
  }
}

void RocksMQ::CloseSubscriptions(std::string_view topic, std::string_view group) {
  for (auto it = subscriptions_.begin(); it != subscriptions_.end();) {
    if (!topic.empty() && it->first != topic) {
      ++it;
      continue;
    }
    std::erase_if(it->second, [&](const std::weak_ptr<Subscription>& w) {
      std::shared_ptr<Subscription> s = w.lock();
      if (s && !group.empty() && s->group() != group) return false;
      if (s) s->Close();
      return true;
    });
    it = it->second.empty() ? subscriptions_.erase(it) : std::next(it);
  }
}

// ------------------------------------------------------------------ close

absl::Status RocksMQ::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  MQSIM_RETURN_IF_ERROR(CheckServing());
  return CloseLocked();
}

absl::Status RocksMQ::CloseLocked() {
  serving_ = false;
  CloseSubscriptions({});
  absl::Status result = absl::OkStatus();
  // A clean stop hands out no reserved ids: the next start continues at hwm + 1.
  rocksdb::WriteBatch batch;
  // Its checkpoint too, so the next start has no message to count.
  for (const auto& [name, t] : topics_) {
    if (t.reserved > t.high_water_mark) {
      batch.Put(ReservationKey(name), EncodeU64(static_cast<uint64_t>(t.high_water_mark)));
    }
    if (!CheckpointEveryProduce() &&
        (t.checkpoint_id != t.high_water_mark || t.checkpoint_open_bytes != t.open_bytes)) {
      PutCheckpoint(name, t.high_water_mark, t.open_bytes, batch, batch);
    }
  }
  if (batch.Count() > 0) result = FromRocks(store_->Write(Synced(), &batch), "close");
  topics_.clear();
  if (host_.before_close) host_.before_close();
  for (std::unique_ptr<rocksdb::DB>* db : {&store_, &meta_}) {
    if (*db) {
      const rocksdb::Status s = (*db)->Close();
      if (result.ok()) result = FromRocks(s, "close");
      db->reset();
    }
  }
  return result;
}

}  // namespace mqsim::rocksmq
