// RocksMQ: Milvus's default standalone message store, on two real RocksDB databases.
//
// Topics hold messages with int64 ids, strictly increasing per topic (consecutive within a
// Produce batch, durable high-water mark plus a synced id reservation, so ids never repeat
// even after power loss or full retention). Consumer groups are (topic, name) -> next id,
// in memory as in Milvus. Messages are grouped into pages of rocksmqPageSize bytes; a closed
// page is acked once every group has read past it, and the retention pass deletes acked
// pages by age and by size. See docs/rocksmq.md for the exact rules and where mqsim
// deliberately differs from Milvus.
//
// The engine owns no threads or timers: RunRetention() and Compact() are its periodic work,
// offered as PeriodicJobs for the host to run. It is thread-safe (one mutex), and runs
// unchanged on the POSIX Env or inside the simulation (RocksMqHost). Every error is an
// absl::Status with a message naming the topic or group.
//
// The class is defined across files by concern: life cycle, topics and the writes every
// part goes through (rocksmq.cc), recovery at open and after a failed write
// (rocksmq_recovery.cc), Produce (rocksmq_produce.cc), groups, acks, reading and push
// consumers (rocksmq_consume.cc), retention and compaction (rocksmq_retention.cc).
#pragma once

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/periodic_job.h"
#include "storage/rocksmq/key_codec.h"
#include "storage/rocksmq/rocksmq_options.h"
#include "storage/rocksmq/subscription.h"

namespace mqsim::rocksmq {

using MessageId = int64_t;
// A group position meaning "the first message that survives" (Milvus's DefaultMessageID).
inline constexpr MessageId kEarliest = -1;

struct PageInfo {
  MessageId last_id;
  PageRecord record;
};

// What the message database's table files hold, by RocksDB's own table properties: their
// keys and values before compression (a key includes RocksDB's 8 bytes of sequence and
// type).
struct TableUse {
  uint32_t files = 0;
  uint64_t raw_bytes = 0;
};

// What a topic looks like now (for tests, checkers and traces).
struct TopicStats {
  MessageId first_id;  // first surviving message, or -1
  MessageId last_id;   // latest message, or -1
  MessageId high_water_mark;
  uint64_t open_page_bytes;
  std::vector<PageInfo> pages;  // closed pages, oldest first
};

class RocksMQ {
 public:
  static absl::StatusOr<std::unique_ptr<RocksMQ>> Open(const RocksMqOptions& options,
                                                       RocksMqHost host = {});
  ~RocksMQ();  // closes if still open
  RocksMQ(const RocksMQ&) = delete;
  RocksMQ& operator=(const RocksMQ&) = delete;

  // Idempotent: creating an existing topic is not an error. A create that fails after the
  // topic was registered leaves the databases to be reopened, and the topic exists then.
  absl::Status CreateTopic(std::string_view topic);
  // Deletes the topic's messages, pages and groups. Ids of a re-created topic continue.
  absl::Status DestroyTopic(std::string_view topic);
  bool ExistTopic(std::string_view topic);

  // Appends payloads (at least one) and returns their ids, consecutive and increasing.
  absl::StatusOr<std::vector<MessageId>> Produce(std::string_view topic,
                                                 std::span<const std::string> payloads);

  // A new group starts at kEarliest. AlreadyExists if it exists; NotFound without topic.
  absl::Status CreateConsumerGroup(std::string_view topic, std::string_view group);
  // Unknown groups are not an error.
  absl::Status DestroyConsumerGroup(std::string_view topic, std::string_view group);
  absl::StatusOr<bool> ExistConsumerGroup(std::string_view topic, std::string_view group);
  // The group's next id, or kEarliest.
  absl::StatusOr<MessageId> GetPosition(std::string_view topic, std::string_view group);

  // Up to n messages with id >= the group's position, in id order; never blocks (empty when
  // there is nothing new). Advances the position past the last one returned.
  absl::StatusOr<std::vector<ConsumerMessage>> Consume(std::string_view topic,
                                                       std::string_view group, int n);
  // A reader, as RocksMQ's readers are: up to n messages with id >= from, in id order,
  // through no consumer group, so nothing of the engine's state changes (no position, no
  // page acknowledgement). REQUIRES: n > 0 (else InvalidArgument).
  absl::StatusOr<std::vector<ConsumerMessage>> Read(std::string_view topic, MessageId from, int n);
  // The next Consume starts at id if it exists, else at the first surviving message
  // >= id, else at latest + 1. Backwards is allowed. Never a crash.
  absl::Status Seek(std::string_view topic, std::string_view group, MessageId id);
  // Position after the latest message (it is not returned again).
  absl::Status SeekToLatest(std::string_view topic, std::string_view group);
  // The largest id of this topic, or -1 if it has no message.
  absl::StatusOr<MessageId> GetLatestMsg(std::string_view topic);

  // Attaches a push consumer to an existing group (subscription.h): the engine signals it
  // on every produce to the topic and closes it when the topic or the group is destroyed
  // or the engine closes. The caller owns it; the engine keeps a weak reference.
  absl::StatusOr<std::shared_ptr<Subscription>> Subscribe(std::string_view topic,
                                                          std::string_view group,
                                                          SubscriptionOptions options);

  // One retention pass (every timtickerInterval): deletes acked pages past the time rule,
  // then past the size rule, oldest first, stopping at the first unacked page.
  absl::Status RunRetention();
  // Flushes and then compacts both databases, as Milvus's CompactRange over the whole key
  // range does, so deleted data is reclaimed (every compactionInterval), even deletions
  // still in a memtable when the producers have fallen quiet.
  absl::Status Compact();
  // The two jobs above with their intervals, for the host to run.
  std::vector<storage::PeriodicJob> PeriodicJobs();

  absl::StatusOr<TopicStats> Stats(std::string_view topic);
  // Every topic's name, in name order.
  std::vector<std::string> TopicNames();
  // The message database's table files (for checkers: right after Compact, they hold only
  // what the topics still hold).
  absl::StatusOr<TableUse> Tables();
  const RocksMqOptions& options() const { return options_; }

  // Stops serving; every later call fails with FailedPrecondition.
  absl::Status Close();

 private:
  struct Topic {
    int64_t created_ms = 0;
    MessageId high_water_mark = 0;  // last id allocated
    MessageId reserved = 0;         // ids durably reserved up to
    MessageId id_floor = 0;         // next id is > max(high_water_mark, id_floor)
    MessageId first_id = 1;         // first surviving message (> hwm: none)
    uint64_t open_bytes = 0;
    // The last checkpoint written ("/hwm/", "/open/" in key_codec.h): the high-water mark and
    // open page bytes then. No page closes between checkpoints, so the messages after
    // checkpoint_id hold exactly open_bytes - checkpoint_open_bytes.
    MessageId checkpoint_id = 0;
    uint64_t checkpoint_open_bytes = 0;
    std::map<MessageId, PageRecord> pages;  // closed pages by last id
    MessageId acked_through = 0;            // every page with last id <= this is acked
    bool retention_cut = false;             // the last retention pass was cut (BUGGIFY)
    std::map<std::string, MessageId, std::less<>> groups;
  };

  RocksMQ(RocksMqOptions options, RocksMqHost host);
  absl::Status OpenDatabases();
  absl::Status LoadTopics();
  absl::Status LoadTopic(const std::string& name, int64_t created_ms);
  // Adds the messages written after the topic's last checkpoint to its high-water mark and
  // open page (recovery after an unclean stop).
  absl::Status CountAfterCheckpoint(const std::string& name, Topic& t, rocksdb::Iterator& it);
  // Puts the topic's checkpoint records for its state now into batch (or page_batch).
  static void PutCheckpoint(const std::string& name, MessageId hwm, uint64_t open_bytes,
                            rocksdb::WriteBatch& batch, rocksdb::WriteBatch& page_batch);
  // Produce's steps (rocksmq_produce.cc), in this order.
  struct ProducePlan;
  // The last id the topic may have handed out, in this run or before an unclean stop: the
  // reservation written back at a clean stop or a destroy is never below it.
  static MessageId HandedOutThrough(const Topic& t) {
    return std::max(t.high_water_mark, t.id_floor);
  }
  // Durably reserves a block of ids beyond last. REQUIRES: last > t.reserved.
  absl::Status ReserveIds(const std::string& name, Topic& t, MessageId last);
  // Plans the keys of plan.first..plan.last: the message batch, the pages the messages close
  // and whether a checkpoint goes with them. Writes nothing.
  void PlanBatch(const std::string& name, const Topic& t, std::span<const std::string> payloads,
                 ProducePlan& plan) const;
  // The messages are written: their ids are taken, and push consumers are signalled.
  void ApplyIds(const std::string& name, Topic& t, const ProducePlan& plan);
  // Bug mode page_meta_torn: writes the page bookkeeping after the messages.
  absl::Status CommitTornPages(const std::string& name, ProducePlan& plan);
  // The page bookkeeping is written: the open page, the checkpoint and the closed pages.
  void ApplyPages(Topic& t, const ProducePlan& plan);
  absl::Status CheckServing() const;
  // Serving, and recovered from an earlier failed write.
  absl::Status Ready();
  absl::Status Reopen();
  // Writes a batch; a failure (real, or injected at fault_point) marks the databases for
  // reopening before the next operation.
  absl::Status Write(rocksdb::DB* db, const rocksdb::WriteOptions& options,
                     rocksdb::WriteBatch* batch, const std::string& what,
                     const char* fault_point = nullptr);
  rocksdb::Status PutOne(rocksdb::DB* db, const std::string& key, const std::string& value);
  absl::StatusOr<Topic*> FindTopic(std::string_view topic);
  absl::StatusOr<MessageId*> FindGroup(Topic& t, std::string_view topic, std::string_view group);
  struct GroupRef {
    Topic* topic;
    MessageId* position;
  };
  // FindTopic then FindGroup: the preamble of every call that moves a group.
  absl::StatusOr<GroupRef> FindPosition(std::string_view topic, std::string_view group);
  absl::Status UpdateAcks(std::string_view name, Topic& t);
  // Up to n messages of the topic from id `start` on, in id order (Consume and Read).
  absl::StatusOr<std::vector<ConsumerMessage>> ReadFrom(std::string_view topic, const Topic& t,
                                                        MessageId start, int n);
  absl::Status RetainTopic(const std::string& name, Topic& t, int64_t now_ms);
  absl::Status CompactDb(rocksdb::DB* db);
  absl::Status FlushDb(rocksdb::DB* db);
  absl::Status CloseLocked();
  // Signals the topic's live subscriptions (after a produce); forgets dead ones.
  void SignalSubscriptions(const std::string& topic);
  // Closes the subscriptions of a topic (of one group, if given; all topics if topic empty).
  void CloseSubscriptions(std::string_view topic, std::string_view group = {});
  int64_t NowMs() const;
  MessageId Latest(const Topic& t) const;

  RocksMqOptions options_;
  RocksMqHost host_;
  rocksdb::Env* env_;
  std::mutex mu_;
  bool serving_ = false;
  bool degraded_ = false;  // a write failed: reopen the databases before the next call
  int64_t next_reopen_ms_ = 0;
  int64_t reopen_backoff_ms_ = 500;
  std::unique_ptr<rocksdb::DB> store_;  // messages and page bookkeeping
  std::unique_ptr<rocksdb::DB> meta_;   // topic registry
  std::map<std::string, Topic, std::less<>> topics_;
  std::map<std::string, std::map<std::string, MessageId, std::less<>>> saved_groups_;
  // Push consumers by topic, in subscription order (signalled in that order).
  std::map<std::string, std::vector<std::weak_ptr<Subscription>>, std::less<>> subscriptions_;
};

// Topic names: non-empty and without '/' (as in Milvus; long names are fine).
absl::Status ValidateTopicName(std::string_view topic);

}  // namespace mqsim::rocksmq
