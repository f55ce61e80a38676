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
#include <string>
#include <string_view>
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
  virtual absl::Status DestroyConsumerGroup(const std::string& topic,
                                            const std::string& group) = 0;
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
};

}  // namespace mqsim::backends
