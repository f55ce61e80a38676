#include "backends/rocksmq_queue.h"

#include "backends/id_bytes.h"

namespace mqsim::backends {

absl::StatusOr<MessageId> RocksMqQueue::Produce(const std::string& topic,
                                                const std::string& payload) {
  absl::StatusOr<std::vector<rocksmq::MessageId>> ids =
      mq_->Produce(topic, std::span<const std::string>(&payload, 1));
  if (!ids.ok()) return ids.status();
  return ids->front();
}

namespace {

// The engine's messages as the MessageQueue's.
absl::StatusOr<std::vector<Message>> ToMessages(
    absl::StatusOr<std::vector<rocksmq::ConsumerMessage>> got) {
  if (!got.ok()) return got.status();
  std::vector<Message> out;
  out.reserve(got->size());
  for (auto& m : *got) out.push_back(Message{m.id, std::move(m.payload)});
  return out;
}

}  // namespace

absl::StatusOr<std::vector<Message>> RocksMqQueue::Consume(const std::string& topic,
                                                           const std::string& group, int n) {
  return ToMessages(mq_->Consume(topic, group, n));
}

absl::StatusOr<std::vector<Message>> RocksMqQueue::Read(const std::string& topic, MessageId from,
                                                        int n) {
  return ToMessages(mq_->Read(topic, from, n));
}

std::string RocksMqQueue::EncodeId(MessageId id) const { return Le64(static_cast<uint64_t>(id)); }

absl::StatusOr<MessageId> RocksMqQueue::DecodeId(std::string_view bytes) const {
  return DecodeLe64Id(bytes, "rocksmq");
}

absl::StatusOr<StoreAccounting> RocksMqQueue::Accounting(const std::string& topic) {
  absl::StatusOr<rocksmq::TopicStats> stats = mq_->Stats(topic);
  if (!stats.ok()) return stats.status();
  StoreAccounting a;
  a.first_id = stats->first_id < 0 ? kNoMessage : stats->first_id;
  a.open_bytes = stats->open_page_bytes;
  a.page_size = mq_->options().page_size_bytes;
  for (const rocksmq::PageInfo& p : stats->pages) {
    a.pages.push_back(PageSpan{p.record.first_id, p.last_id, p.record.bytes});
  }
  return a;
}

// The table files as RocksDB accounts them, before compression: a message takes its key
// (the topic's key prefix, 8 bytes of id, RocksDB's 8 of sequence and type) and its
// payload; a page record (at most one per message) its key and 32 bytes. No file overhead.
// Each topic name keeps three records (its high-water mark, id reservation and open page
// checkpoints), the first two even after the topic is destroyed.
constexpr uint64_t kTableRecordOverhead = 80;
constexpr uint64_t kTopicRecords = 3;

absl::StatusOr<SharedFiles> RocksMqQueue::SharedFilesNow() {
  absl::StatusOr<rocksmq::TableUse> tables = mq_->Tables();
  if (!tables.ok()) return tables.status();
  SharedFiles f;
  f.bytes = tables->raw_bytes;
  f.files = tables->files;
  f.record_overhead = kTableRecordOverhead;
  f.topic_records = kTopicRecords;
  for (const std::string& topic : mq_->TopicNames()) {
    absl::StatusOr<rocksmq::TopicStats> stats = mq_->Stats(topic);
    if (!stats.ok()) return stats.status();
    f.first_ids.emplace_back(topic, stats->first_id < 0 ? kNoMessage : stats->first_id);
  }
  return f;
}

namespace {

class RocksMqSubscriber : public Subscriber {
 public:
  explicit RocksMqSubscriber(std::shared_ptr<rocksmq::Subscription> sub) : sub_(std::move(sub)) {}
  void Deliver() override { sub_->Deliver(); }
  absl::StatusOr<std::vector<Message>> Receive(int max) override {
    absl::StatusOr<std::vector<rocksmq::ConsumerMessage>> got =
        sub_->Receive(static_cast<size_t>(std::max(max, 0)));
    if (!got.ok()) return got.status();
    std::vector<Message> out;
    out.reserve(got->size());
    for (auto& m : *got) out.push_back(Message{m.id, std::move(m.payload)});
    return out;
  }

 private:
  std::shared_ptr<rocksmq::Subscription> sub_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Subscriber>> RocksMqQueue::Subscribe(const std::string& topic,
                                                                    const std::string& group,
                                                                    SubscribeOptions options) {
  rocksmq::SubscriptionOptions o{options.buffer, options.batch, std::move(options.wake), nullptr};
  if (options.on_fetch) {
    o.on_fetch = [f = std::move(options.on_fetch)](
                     const absl::StatusOr<std::vector<rocksmq::ConsumerMessage>>& got) {
      if (!got.ok()) return f(got.status());
      std::vector<Message> out;
      out.reserve(got->size());
      for (const auto& m : *got) out.push_back(Message{m.id, m.payload});
      f(out);
    };
  }
  absl::StatusOr<std::shared_ptr<rocksmq::Subscription>> sub =
      mq_->Subscribe(topic, group, std::move(o));
  if (!sub.ok()) return sub.status();
  return std::unique_ptr<Subscriber>(new RocksMqSubscriber(std::move(*sub)));
}

}  // namespace mqsim::backends
