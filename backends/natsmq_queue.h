// NatsQueue: the MessageQueue over storage/natsmq (owned), with Milvus's mapping: one
// stream per topic (subject = topic, limits from the natsmq: retention keys), ids are
// stream sequences, a consumer group is a durable consumer acked on receipt, and Seek
// re-creates it delivering by start sequence. A destroyed and re-created topic starts
// again at sequence 1, as a new JetStream stream does.
#pragma once

#include <memory>

#include "backends/message_queue.h"
#include "storage/natsmq/nats_store.h"

namespace mqsim::backends {

class NatsQueue : public MessageQueue {
 public:
  // lister: how Accounting measures a stream's files without an operation of the store (a
  // simulated disk's own view); unset, through the store's file system.
  NatsQueue(std::unique_ptr<natsmq::NatsStore> store, natsmq::NatsMqOptions options,
            natsmq::FileLister lister = nullptr)
      : store_(std::move(store)), options_(std::move(options)), lister_(std::move(lister)) {}
  MqType type() const override { return MqType::kNatsMq; }
  natsmq::NatsStore& engine() { return *store_; }

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
  absl::Status Purge(const std::string& topic) override { return store_->Purge(topic); }
  absl::Status DeleteMessage(const std::string& topic, MessageId id) override;
  absl::Status Close() override { return store_->Close(); }
  // A push subscription on the group's durable consumer (NatsStore::Subscribe): the store
  // buffers new messages as they are published, bounded by maxPending bytes; Deliver has
  // nothing to do and `wake` is never called. Receive acknowledges what it returns.
  absl::StatusOr<std::unique_ptr<Subscriber>> Subscribe(const std::string& topic,
                                                        const std::string& group,
                                                        SubscribeOptions options) override;
  // JetStream's stream state: the exact first sequence, the message count and bytes; and
  // the stream's block files.
  absl::StatusOr<StoreAccounting> Accounting(const std::string& topic) override;
  std::string EncodeId(MessageId id) const override;
  absl::StatusOr<MessageId> DecodeId(std::string_view bytes) const override;

 private:
  absl::Status StartAt(const std::string& topic, const std::string& group, uint64_t seq);

  std::unique_ptr<natsmq::NatsStore> store_;
  natsmq::NatsMqOptions options_;
  natsmq::FileLister lister_;
  std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);  // for subscribers
};

}  // namespace mqsim::backends
