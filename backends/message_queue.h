// MessageQueue: the message-store API of Milvus's data path (its mq wrapper), one interface
// over every engine: rocksmq and natsmq (storage/), simulated Pulsar and Kafka, and an
// in-memory reference model whose semantics are obviously right.
//
// Topics are Milvus's channels. Ids are per topic and increase with every produce, in the
// engine's own scheme (RocksMQ ids, NATS stream sequences, Kafka offsets, Pulsar ledger and
// entry). A consumer group has one position; Consume returns up to n messages at or after
// it, in id order, and moves it past them; Seek(id) makes the next Consume start at the
// first message with an id >= id. Produce sends one message, as Milvus's producer does.
//
// Positions are what Milvus checkpoints (MsgPosition.MsgID): an id in the engine's own
// byte encoding. Ours are tagged with the engine type (position.h), so a position from
// another engine is rejected loudly instead of read as a wrong id.
#pragma once

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/mq_type.h"

namespace mqsim::backends {

using MessageId = int64_t;
inline constexpr MessageId kNoMessage = -1;

struct Message {
  MessageId id = kNoMessage;
  std::string payload;
  bool operator==(const Message&) const = default;
};

// A store's own account of what it holds, for consistency checks: the page-accounting
// property compares it with what a full read returns at the same moment.
struct PageSpan {
  MessageId first_id = kNoMessage;
  MessageId last_id = kNoMessage;
  uint64_t bytes = 0;  // payload bytes the store counts for ids first_id..last_id
  bool operator==(const PageSpan&) const = default;
};
// The files a store keeps a topic's messages in, where it keeps them apart per topic
// (natsmq: the stream's block files), with the layout they follow: a file ("block") is not
// appended to past block_size bytes unless one record alone is larger, and a record takes
// record_overhead + topic name + payload bytes; a removal's record takes record_overhead.
struct TopicFiles {
  uint64_t bytes = 0;
  uint32_t files = 0;
  uint64_t block_size = 0;
  uint64_t record_overhead = 0;
  bool operator==(const TopicFiles&) const = default;
};

// The files a store keeps every topic's messages in together (rocksmq: the table files of
// its message database), measured right after a compaction pass, which leaves in them only
// what the store still holds: from each topic's first message held on (as
// StoreAccounting::first_id; kNoMessage for an empty topic). The layout they follow: a
// message takes record_overhead + topic name + payload bytes, and a file file_overhead on
// top of its records; every topic name the store ever held keeps topic_records records of
// record_overhead + name bytes (rocksmq's id checkpoints, kept after a destroy).
struct SharedFiles {
  uint64_t bytes = 0;
  uint32_t files = 0;
  uint64_t record_overhead = 0;
  uint64_t file_overhead = 0;
  uint64_t topic_records = 0;
  std::vector<std::pair<std::string, MessageId>> first_ids;  // every topic, by name
  bool operator==(const SharedFiles&) const = default;
};

struct StoreAccounting {
  // The first message the store says it holds; kNoMessage when it says the topic is empty.
  // Exact (natsmq's FirstSeq) or a lower bound that passes over no message the store still
  // holds and stands above every message it deleted (RocksMQ's first id).
  MessageId first_id = kNoMessage;
  bool first_exact = false;
  // natsmq (JetStream's stream state): the message count, the bytes as JetStream counts
  // them, and the FirstSeq an empty stream reports (0 if it never held a message, else
  // LastSeq + 1); unset where the store does not count.
  std::optional<uint64_t> messages;
  std::optional<uint64_t> bytes;
  std::optional<MessageId> empty_first;
  // RocksMQ's pages; page_size 0: the store keeps no pages.
  std::vector<PageSpan> pages;      // closed pages, oldest first
  uint64_t open_bytes = 0;          // payload bytes after the last closed page
  int64_t page_size = 0;            // a page closes at the message that takes it past this
  std::optional<TopicFiles> files;  // unset where the store keeps no files per topic
  bool operator==(const StoreAccounting&) const = default;
};

// A push consumer on one group (Milvus's msgstream consumers are push): the store moves
// messages into a bounded buffer in the background and the application takes them.
// Stores differ in how they bound the buffer: rocksmq by `buffer` messages, natsmq by
// natsmq.server.maxPending bytes, where a consumer that falls further behind is cut off as a
// slow consumer (Receive: ResourceExhausted from then on; the application subscribes anew).
struct SubscribeOptions {
  size_t buffer = 64;  // messages buffered for the application (rocksmq)
  // Messages per fetch of the delivery task; a store that moves everything new at once
  // (natsmq) reports it to on_fetch in batches of at most this many.
  int batch = 16;
  // Called when the delivery task has work (possibly inside a store call: only schedule).
  std::function<void()> wake;
  // Observes every batch the delivery task takes from the group (empty ones included).
  // A refused fetch is observed too (the delivery task retries on its next run).
  std::function<void(const absl::StatusOr<std::vector<Message>>&)> on_fetch;
};
class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // The delivery task: run it after every wake (and, to retry failed fetches, now and then).
  virtual void Deliver() = 0;
  // Up to max buffered messages, in id order; empty when none are buffered.
  virtual absl::StatusOr<std::vector<Message>> Receive(int max) = 0;
};

class MessageQueue {
 public:
  virtual ~MessageQueue() = default;
  virtual MqType type() const = 0;

  // Idempotent.
  virtual absl::Status CreateTopic(const std::string& topic) = 0;
  // Messages, groups and positions go; a topic of that name created later starts empty.
  virtual absl::Status DestroyTopic(const std::string& topic) = 0;
  virtual absl::StatusOr<MessageId> Produce(const std::string& topic,
                                            const std::string& payload) = 0;
  // A new group starts at the earliest message. AlreadyExists if it exists.
  virtual absl::Status CreateConsumerGroup(const std::string& topic, const std::string& group) = 0;
  virtual absl::Status DestroyConsumerGroup(const std::string& topic, const std::string& group) = 0;
  virtual absl::StatusOr<std::vector<Message>> Consume(const std::string& topic,
                                                       const std::string& group, int n) = 0;
  virtual absl::Status Seek(const std::string& topic, const std::string& group, MessageId id) = 0;
  // The next Consume returns only messages produced after this call.
  virtual absl::Status SeekToLatest(const std::string& topic, const std::string& group) = 0;
  // The largest id in the topic, or kNoMessage if it holds none.
  virtual absl::StatusOr<MessageId> GetLatestMsg(const std::string& topic) = 0;
  virtual absl::Status Close() = 0;

  // The engine's own encoding of an id (what Milvus would checkpoint), without tag.
  virtual std::string EncodeId(MessageId id) const = 0;
  virtual absl::StatusOr<MessageId> DecodeId(std::string_view bytes) const = 0;
  // Attaches a push consumer to an existing group; Unimplemented for pull-only stores.
  virtual absl::StatusOr<std::unique_ptr<Subscriber>> Subscribe(const std::string& topic,
                                                                const std::string& group,
                                                                SubscribeOptions options) {
    return absl::UnimplementedError("this store has no push consumers");
  }
  // A reader: up to n messages with id >= from, in id order, through no consumer group, so
  // the store's state is left as it was (no position moves, nothing is acknowledged).
  // Unimplemented for stores without readers; there a temporary group reads instead.
  virtual absl::StatusOr<std::vector<Message>> Read(const std::string& topic, MessageId from,
                                                    int n) {
    return absl::UnimplementedError("this store has no readers");
  }
  // Engine-specific operations (natsmq: JetStream's stream purge and message delete), for
  // workloads that reach the whole of an engine's API; Unimplemented elsewhere. Purge
  // removes every message the topic holds (ids continue after them); DeleteMessage removes
  // one. Both are durable when they return ok: nothing removed comes back, even after a
  // power loss.
  virtual absl::Status Purge(const std::string& topic) {
    return absl::UnimplementedError("this store has no purge");
  }
  virtual absl::Status DeleteMessage(const std::string& topic, MessageId id) {
    return absl::UnimplementedError("this store deletes no single messages");
  }
  // Several messages in one call (rocksmq: Produce takes a batch, written as one atomic
  // write): ok gives one id per payload, increasing; a failure may have stored all of them or
  // none; no messages is InvalidArgument. Unimplemented for stores that take one message per
  // call.
  virtual absl::StatusOr<std::vector<MessageId>> ProduceMany(
      const std::string& topic, const std::vector<std::string>& payloads) {
    return absl::UnimplementedError("this store takes one message per produce");
  }
  // The store's own bookkeeping for a topic; Unimplemented for stores that expose none.
  virtual absl::StatusOr<StoreAccounting> Accounting(const std::string& topic) {
    return absl::UnimplementedError("this store exposes no bookkeeping");
  }
  // The files shared by all topics, as they are now; Unimplemented for stores that keep
  // none (or keep files per topic: Accounting's files). Meant right after a compaction.
  virtual absl::StatusOr<SharedFiles> SharedFilesNow() {
    return absl::UnimplementedError("this store keeps no files shared by its topics");
  }
};

}  // namespace mqsim::backends
