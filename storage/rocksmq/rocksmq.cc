// RocksMQ's life cycle and its topics: opening and closing the two databases, the writes
// every other part goes through, topic and group lookup, creating and destroying topics,
// statistics. Recovery is in rocksmq_recovery.cc, Produce in rocksmq_produce.cc, groups and
// reading in rocksmq_consume.cc, retention and compaction in rocksmq_retention.cc.
#include "storage/rocksmq/rocksmq.h"

#include <rocksdb/cache.h>
#include <rocksdb/table.h>
#include <rocksdb/table_properties.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include "base/bug_modes.h"
#include "base/fault_point.h"
#include "base/status_macros.h"
#include "storage/rocksmq/fault_points.h"
#include "storage/rocksmq/rocksmq_config.h"
#include "storage/rocksmq/rocksmq_internal.h"

namespace mqsim::rocksmq {

namespace internal {

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  const std::string message = "rocksmq: " + std::string(what) + ": " + s.ToString();
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsNotFound()) return absl::NotFoundError(message);
  return absl::UnavailableError(message);
}

}  // namespace internal

using internal::CheckpointEveryProduce;
using internal::FromRocks;
using internal::Synced;

namespace {

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

absl::Status RocksMQ::CheckServing() const {
  if (!serving_) return absl::FailedPreconditionError("Rocksmq is not serving (it was closed)");
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
  absl::Status loaded = LoadTopic(name, now);
  // The registry holds the topic now: reopen before the next operation, which loads it as a
  // restart would, rather than serve without a topic the registry has.
  if (!loaded.ok()) degraded_ = true;
  return loaded;
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
  // A re-created topic continues above every id this topic may have handed out: the
  // high-water mark, or the floor an unclean stop left (ids reserved then may have been
  // acknowledged and lost). The high-water mark is written too: its checkpoint may be
  // older, and no message is left to count from.
  const Topic& t = **found;
  batch.Put(HighWaterKey(name), EncodeU64(static_cast<uint64_t>(t.high_water_mark)));
  batch.Put(ReservationKey(name), EncodeU64(static_cast<uint64_t>(HandedOutThrough(t))));
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

std::vector<std::string> RocksMQ::TopicNames() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, t] : topics_) names.push_back(name);
  return names;
}

absl::StatusOr<TableUse> RocksMQ::Tables() {
  std::lock_guard<std::mutex> lock(mu_);
  MQSIM_RETURN_IF_ERROR(Ready());
  rocksdb::TablePropertiesCollection tables;
  MQSIM_RETURN_IF_ERROR(FromRocks(store_->GetPropertiesOfAllTables(&tables), "table properties"));
  TableUse use;
  for (const auto& [file, p] : tables) {
    ++use.files;
    use.raw_bytes += p->raw_key_size + p->raw_value_size;
  }
  return use;
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
  // A clean stop gives back the ids it reserved and did not hand out: the next start
  // continues above the last id handed out, which after an unclean stop may be above the
  // high-water mark (ids acknowledged then and lost are never handed out again).
  rocksdb::WriteBatch batch;
  // Its checkpoint too, so the next start has no message to count.
  for (const auto& [name, t] : topics_) {
    if (t.reserved > HandedOutThrough(t)) {
      batch.Put(ReservationKey(name), EncodeU64(static_cast<uint64_t>(HandedOutThrough(t))));
    }
    if (!CheckpointEveryProduce() &&
        (t.checkpoint_id != t.high_water_mark || t.checkpoint_open_bytes != t.open_bytes)) {
      PutCheckpoint(name, t.high_water_mark, t.open_bytes, batch, batch);
    }
  }
  if (batch.Count() > 0) result = FromRocks(store_->Write(Synced(), &batch), "close");
  topics_.clear();
  if (host_.run_background_work) host_.run_background_work();
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
