// RecordingQueue: a MessageQueue that forwards to another and records every call and its
// outcome in a History, with the time from a clock function (simulated time in a run).
#pragma once

#include <functional>

#include "backends/message_queue.h"
#include "properties/history.h"

namespace mqsim::properties {

class RecordingQueue : public backends::MessageQueue {
 public:
  // sync: whether this store promises durability for every acknowledged produce.
  RecordingQueue(backends::MessageQueue* inner, History* history, std::function<int64_t()> now_ns,
                 bool sync)
      : inner_(inner), history_(history), now_ns_(std::move(now_ns)), sync_(sync) {}

  backends::MqType type() const override { return inner_->type(); }
  absl::Status CreateTopic(const std::string& topic) override;
  absl::Status DestroyTopic(const std::string& topic) override;
  absl::StatusOr<MessageId> Produce(const std::string& topic, const std::string& payload) override;
  // One kProduce event per payload (batch = their number), all ok with their ids or all
  // failed; not recorded when the store takes no batches (Unimplemented).
  absl::StatusOr<std::vector<MessageId>> ProduceMany(
      const std::string& topic, const std::vector<std::string>& payloads) override;
  absl::Status CreateConsumerGroup(const std::string& topic, const std::string& group) override;
  absl::Status DestroyConsumerGroup(const std::string& topic, const std::string& group) override;
  absl::StatusOr<std::vector<Message>> Consume(const std::string& topic, const std::string& group,
                                               int n) override;
  absl::Status Seek(const std::string& topic, const std::string& group, MessageId id) override;
  absl::Status SeekToLatest(const std::string& topic, const std::string& group) override;
  absl::StatusOr<MessageId> GetLatestMsg(const std::string& topic) override;
  absl::Status Purge(const std::string& topic) override;
  absl::Status DeleteMessage(const std::string& topic, MessageId id) override;
  absl::Status Close() override { return inner_->Close(); }
  std::string EncodeId(MessageId id) const override { return inner_->EncodeId(id); }
  absl::StatusOr<MessageId> DecodeId(std::string_view b) const override {
    return inner_->DecodeId(b);
  }
  // Records kSubscribe, and every Receive of the returned subscriber as kReceive.
  absl::StatusOr<std::unique_ptr<backends::Subscriber>> Subscribe(
      const std::string& topic, const std::string& group,
      backends::SubscribeOptions options) override;
  // Unrecorded: a reader leaves the store as it was (RecordFullRead records what it read).
  absl::StatusOr<std::vector<backends::Message>> Read(const std::string& topic, MessageId from,
                                                      int n) override {
    return inner_->Read(topic, from, n);
  }
  absl::StatusOr<backends::StoreAccounting> Accounting(const std::string& topic) override {
    return inner_->Accounting(topic);
  }

 private:
  HistoryEvent Event(EventKind kind, const std::string& topic, const std::string& group = "");

  backends::MessageQueue* inner_;
  History* history_;
  std::function<int64_t()> now_ns_;
  bool sync_;
};

// Reads a topic back in full and records what it held as a kReadAll event (what the
// durability, retention and limit checkers judge): through the store's reader where it has
// one, so that the observation changes nothing (a group would acknowledge pages when it is
// the topic's only group); else through a temporary consumer group.
absl::Status RecordFullRead(backends::MessageQueue& queue, const std::string& topic,
                            History* history, int64_t now_ns);

}  // namespace mqsim::properties
