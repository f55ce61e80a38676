// RocksMQ's recovery: rebuilding each topic's in-memory state from the databases at open,
// and reopening both databases after a failed write (Ready, Reopen).
#include <rocksdb/iterator.h>

#include <algorithm>

#include "base/bug_modes.h"
#include "base/fault_point.h"
#include "base/probe.h"
#include "base/status_macros.h"
#include "storage/rocksmq/fault_points.h"
#include "storage/rocksmq/probes.h"
#include "storage/rocksmq/rocksmq.h"
#include "storage/rocksmq/rocksmq_internal.h"

namespace mqsim::rocksmq {

using internal::CheckpointEveryProduce;
using internal::FromRocks;

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
    if (t.high_water_mark != *id) MQSIM_PROBE(probes::kRecoveryOpenPageCounted);
    t.high_water_mark = *id;
    t.open_bytes += it.value().size();
  }
  return FromRocks(it.status(), "load the open page of " + name);
}

absl::Status RocksMQ::Ready() {
  MQSIM_RETURN_IF_ERROR(CheckServing());
  if (!degraded_) return absl::OkStatus();
  // Back off between attempts (1 s, doubling to 16 s): a disk that is still full would
  // otherwise make every call reopen both databases.
  const int64_t now = NowMs();
  if (now < next_reopen_ms_) {
    MQSIM_PROBE(probes::kRecoveryBackoff);
    return absl::UnavailableError("rocksmq: recovering from a failed write; next attempt in " +
                                  std::to_string(next_reopen_ms_ - now) + " ms");
  }
  const absl::Status s = Reopen();
  if (!s.ok()) {
    reopen_backoff_ms_ = std::min<int64_t>(reopen_backoff_ms_ * 2, kMaxReopenBackoffMs);
    next_reopen_ms_ = now + reopen_backoff_ms_;
    return s;
  }
  MQSIM_PROBE(probes::kRecoveryReopen);
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
  if (host_.run_background_work) host_.run_background_work();
  for (std::unique_ptr<rocksdb::DB>* db : {&store_, &meta_}) {
    if (*db) (void)(*db)->Close();
    db->reset();
  }
  MQSIM_RETURN_IF_ERROR(OpenDatabases());
  MQSIM_RETURN_IF_ERROR(LoadTopics());
  degraded_ = false;
  // Every group goes back before anything else can fail: a failed ack write below leaves
  // the databases to be reopened again, and that attempt saves the groups from topics_.
  for (auto& [name, g] : saved_groups_) {
    auto it = topics_.find(name);
    if (it != topics_.end()) it->second.groups = std::move(g);
  }
  saved_groups_.clear();
  for (auto& [name, t] : topics_) MQSIM_RETURN_IF_ERROR(UpdateAcks(name, t));
  return absl::OkStatus();
}

}  // namespace mqsim::rocksmq
