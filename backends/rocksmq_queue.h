// RocksMqQueue: the MessageQueue over storage/rocksmq (owned). Ids are RocksMQ's ids,
// serialized as 8 little-endian bytes as Milvus does.
#pragma once

#include <memory>

#include "backends/message_queue.h"
#include "storage/rocksmq/rocksmq.h"

namespace mqsim::backends {

class RocksMqQueue : public MessageQueue {
 public:
  explicit RocksMqQueue(std::unique_ptr<rocksmq::RocksMQ> mq) : mq_(std::move(mq)) {}
  MqType type() const override { return MqType::kRocksMq; }
  rocksmq::RocksMQ& engine() { return *mq_; }

  absl::Status CreateTopic(const std::string& topic) override { return mq_->CreateTopic(topic); }
  absl::Status DestroyTopic(const std::string& topic) override { return mq_->DestroyTopic(topic); }
  absl::StatusOr<MessageId> Produce(const std::string& topic, const std::string& payload) override;
  absl::StatusOr<std::vector<MessageId>> ProduceMany(
      const std::string& topic, const std::vector<std::string>& payloads) override {
    return mq_->Produce(topic, payloads);
  }
  absl::Status CreateConsumerGroup(const std::string& topic, const std::string& group) override {
    return mq_->CreateConsumerGroup(topic, group);
  }
  absl::Status DestroyConsumerGroup(const std::string& topic, const std::string& group) override {
    return mq_->DestroyConsumerGroup(topic, group);
  }
  absl::StatusOr<std::vector<Message>> Consume(const std::string& topic, const std::string& group,
                                               int n) override;
  absl::StatusOr<std::vector<Message>> Read(const std::string& topic, MessageId from,
                                            int n) override;
  absl::Status Seek(const std::string& topic, const std::string& group, MessageId id) override {
    return mq_->Seek(topic, group, std::max<MessageId>(id, 0));
  }
  absl::Status SeekToLatest(const std::string& topic, const std::string& group) override {
    return mq_->SeekToLatest(topic, group);
  }
  absl::StatusOr<MessageId> GetLatestMsg(const std::string& topic) override {
    return mq_->GetLatestMsg(topic);
  }
  absl::Status Close() override { return mq_->Close(); }
  std::string EncodeId(MessageId id) const override;
  absl::StatusOr<MessageId> DecodeId(std::string_view bytes) const override;
  absl::StatusOr<StoreAccounting> Accounting(const std::string& topic) override;
  absl::StatusOr<SharedFiles> SharedFilesNow() override;
  absl::StatusOr<std::unique_ptr<Subscriber>> Subscribe(const std::string& topic,
                                                        const std::string& group,
                                                        SubscribeOptions options) override;

 private:
  std::unique_ptr<rocksmq::RocksMQ> mq_;
};

}  // namespace mqsim::backends
