// MemoryQueue: an in-memory message store whose semantics are obviously right, in three
// flavours: the reference model every engine is diffed against, and simulated Pulsar and
// Kafka brokers with the behaviour Milvus sees from them:
//   model  ids 1, 2, 3, ... per topic; no size limit.
//   kafka  offsets 0, 1, 2, ... per topic (one partition); messages above the producer's
//          maximum (kafka default 1 MiB) are rejected (MSG_SIZE_TOO_LARGE).
//   pulsar ids are (ledger, entry) packed as ledger << 32 | entry; a topic rolls to a new
//          ledger every entries_per_ledger entries; positions are 16 bytes (ledger, entry);
//          messages above pulsar.maxMessageSize are rejected (MessageTooBig).
// Nothing is durable: a crash of the broker is not modelled (they are remote services).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "backends/message_queue.h"

namespace mqsim::backends {

struct MemoryQueueOptions {
  MqType type = MqType::kModel;    // kModel, kPulsar or kKafka
  int64_t max_message_bytes = -1;  // -1: unlimited
  uint32_t entries_per_ledger = 50'000;
  uint64_t first_ledger = 7;
};

class MemoryQueue : public MessageQueue {
 public:
  explicit MemoryQueue(MemoryQueueOptions options = {});
  MqType type() const override { return options_.type; }

  absl::Status CreateTopic(const std::string& topic) override;
  absl::Status DestroyTopic(const std::string& topic) override;
  absl::StatusOr<MessageId> Produce(const std::string& topic, const std::string& payload) override;
  absl::Status CreateConsumerGroup(const std::string& topic, const std::string& group) override;
  absl::Status DestroyConsumerGroup(const std::string& topic, const std::string& group) override;
  absl::StatusOr<std::vector<Message>> Consume(const std::string& topic, const std::string& group,
                                               int n) override;
  absl::Status Seek(const std::string& topic, const std::string& group, MessageId id) override;
  absl::Status SeekToLatest(const std::string& topic, const std::string& group) override;
  absl::StatusOr<MessageId> GetLatestMsg(const std::string& topic) override;
  absl::Status Close() override;
  std::string EncodeId(MessageId id) const override;
  absl::StatusOr<MessageId> DecodeId(std::string_view bytes) const override;

 private:
  struct Topic {
    std::vector<Message> messages;            // ids increasing
    std::map<std::string, MessageId> groups;  // next id to deliver
    uint64_t ledger = 0;
    uint64_t entry = 0;
    MessageId next_id = 0;
  };
  absl::StatusOr<Topic*> Find(const std::string& topic);
  absl::StatusOr<MessageId*> FindGroup(const std::string& topic, const std::string& group,
                                       Topic** t);
  MessageId NextId(Topic& t);

  MemoryQueueOptions options_;
  std::map<std::string, Topic> topics_;
  uint64_t next_ledger_;
  bool closed_ = false;
};

}  // namespace mqsim::backends
