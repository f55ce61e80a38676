// RocksMQ's consumers: consumer groups, page acks, Consume, Seek, SeekToLatest,
// GetLatestMsg, and push consumers (Subscribe).
#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdint>
#include <functional>

#include "base/assert.h"
#include "base/bug_modes.h"
#include "base/fault_point.h"
#include "base/panic.h"
#include "base/status_macros.h"
#include "storage/rocksmq/fault_points.h"
#include "storage/rocksmq/rocksmq.h"
#include "storage/rocksmq/rocksmq_internal.h"

namespace mqsim::rocksmq {

using internal::FromRocks;

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

absl::StatusOr<std::vector<ConsumerMessage>> RocksMQ::ReadFrom(std::string_view topic,
                                                               const Topic& t, MessageId start,
                                                               int n) {
  std::vector<ConsumerMessage> out;
  if (start > t.high_water_mark) return out;
  if (MQSIM_FAULT_POINT(points::kConsumeRead)) {
    return base::InjectedFault(points::kConsumeRead, "reading topic " + std::string(topic));
  }
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
  return out;
}

absl::StatusOr<std::vector<ConsumerMessage>> RocksMQ::Read(std::string_view topic, MessageId from,
                                                           int n) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Topic*> found = FindTopic(topic);
  if (!found.ok()) return found.status();
  if (n <= 0) return absl::InvalidArgumentError("read: n must be positive");
  return ReadFrom(topic, **found, std::max(from, (*found)->first_id), n);
}

absl::StatusOr<std::vector<ConsumerMessage>> RocksMQ::Consume(std::string_view topic,
                                                              std::string_view group, int n) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<GroupRef> ref = FindPosition(topic, group);
  if (!ref.ok()) return ref.status();
  Topic& t = *ref->topic;
  MessageId& pos = *ref->position;
  if (n <= 0) return absl::InvalidArgumentError("consume: n must be positive");
  absl::StatusOr<std::vector<ConsumerMessage>> read =
      ReadFrom(topic, t, pos == kEarliest ? t.first_id : pos, n);
  if (!read.ok()) return read.status();
  std::vector<ConsumerMessage> out = std::move(*read);
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
  (void)UpdateAcks(topic, t);  // as in Seek: the seek has happened
  return absl::OkStatus();
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

}  // namespace mqsim::rocksmq
