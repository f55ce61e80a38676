#include "backends/natsmq_queue.h"

#include <algorithm>
#include <optional>

#include "backends/id_bytes.h"
#include "base/status_macros.h"
#include "storage/natsmq/record.h"

namespace mqsim::backends {

// As Milvus does at every producer and consumer it makes: the stream is added again, and
// JetStream answers ok for an existing stream with the same configuration.
absl::Status NatsQueue::CreateTopic(const std::string& topic) {
  return store_->AddStream(options_.StreamFor(topic));
}

absl::Status NatsQueue::DestroyTopic(const std::string& topic) {
  const absl::Status s = store_->DeleteStream(topic);
  if (absl::IsNotFound(s)) return absl::OkStatus();
  return s;
}

absl::StatusOr<MessageId> NatsQueue::Produce(const std::string& topic, const std::string& payload) {
  absl::StatusOr<uint64_t> seq = store_->Publish(topic, payload);
  if (!seq.ok()) return seq.status();
  return static_cast<MessageId>(*seq);
}

absl::Status NatsQueue::CreateConsumerGroup(const std::string& topic, const std::string& group) {
  if (store_->GetConsumerInfo(topic, group).ok()) {
    return absl::AlreadyExistsError("consumer group \"" + group + "\" already exists on topic \"" +
                                    topic + "\"");
  }
  return StartAt(topic, group, 1);
}

absl::Status NatsQueue::DestroyConsumerGroup(const std::string& topic, const std::string& group) {
  const absl::Status s = store_->DeleteConsumer(topic, group);
  if (absl::IsNotFound(s)) return absl::OkStatus();
  return s;
}

absl::Status NatsQueue::StartAt(const std::string& topic, const std::string& group, uint64_t seq) {
  if (store_->GetConsumerInfo(topic, group).ok()) {
    MQSIM_RETURN_IF_ERROR(store_->DeleteConsumer(topic, group));
  }
  natsmq::ConsumerConfig c;
  c.durable_name = group;
  c.start_seq = std::max<uint64_t>(seq, 1);
  return store_->AddConsumer(topic, c);
}

absl::StatusOr<std::vector<Message>> NatsQueue::Consume(const std::string& topic,
                                                        const std::string& group, int n) {
  absl::StatusOr<std::vector<natsmq::StoredMsg>> got = store_->Fetch(topic, group, n);
  if (!got.ok()) return got.status();
  std::vector<Message> out;
  out.reserve(got->size());
  for (auto& m : *got) out.push_back(Message{static_cast<MessageId>(m.seq), std::move(m.payload)});
  // Milvus acks on receipt; a failed ack only means redelivery after a restart.
  if (!out.empty()) (void)store_->Ack(topic, group, static_cast<uint64_t>(out.back().id));
  return out;
}

absl::Status NatsQueue::Seek(const std::string& topic, const std::string& group, MessageId id) {
  MQSIM_RETURN_IF_ERROR(store_->GetConsumerInfo(topic, group).status());
  return StartAt(topic, group, static_cast<uint64_t>(std::max<MessageId>(id, 1)));
}

absl::Status NatsQueue::SeekToLatest(const std::string& topic, const std::string& group) {
  MQSIM_RETURN_IF_ERROR(store_->GetConsumerInfo(topic, group).status());
  absl::StatusOr<natsmq::StreamState> st = store_->GetStreamState(topic);
  if (!st.ok()) return st.status();
  return StartAt(topic, group, st->last_seq + 1);
}

absl::Status NatsQueue::DeleteMessage(const std::string& topic, MessageId id) {
  if (id <= 0) {
    return absl::InvalidArgumentError("delete on topic \"" + topic + "\": message id " +
                                      std::to_string(id) + " is not a stream sequence");
  }
  return store_->DeleteMsg(topic, static_cast<uint64_t>(id));
}

absl::StatusOr<MessageId> NatsQueue::GetLatestMsg(const std::string& topic) {
  absl::StatusOr<natsmq::StreamState> st = store_->GetStreamState(topic);
  if (!st.ok()) return st.status();
  // The newest message, not LastSeq: after an unclean stop LastSeq may name a sequence that
  // was reserved and skipped, with no message at it.
  if (st->msgs == 0) return kNoMessage;
  return static_cast<MessageId>(st->last_msg_seq);
}

namespace {

// Holds the store only while its queue lives (`alive`): a subscriber the application keeps
// past a crash answers FailedPrecondition instead of reaching a store that is gone.
class NatsSubscriber : public Subscriber {
 public:
  NatsSubscriber(natsmq::NatsStore* store, std::weak_ptr<const bool> alive, uint64_t id)
      : store_(store), alive_(std::move(alive)), id_(id) {}
  ~NatsSubscriber() override {
    if (!alive_.expired()) (void)store_->Unsubscribe(id_);
  }
  void Deliver() override {}  // the store delivers as messages are published
  // What is buffered, up to max; an error once the subscription ended, unless some
  // messages came first (then the next call reports it).
  absl::StatusOr<std::vector<Message>> Receive(int max) override {
    if (alive_.expired()) return absl::FailedPreconditionError("natsmq: the store is gone");
    std::vector<Message> out;
    while (static_cast<int>(out.size()) < max) {
      absl::StatusOr<std::optional<natsmq::StoredMsg>> m = store_->NextMsg(id_);
      if (!m.ok() && out.empty()) return m.status();
      if (!m.ok() || !m->has_value()) break;
      out.push_back(Message{static_cast<MessageId>((*m)->seq), std::move((*m)->payload)});
    }
    return out;
  }

 private:
  natsmq::NatsStore* store_;
  std::weak_ptr<const bool> alive_;
  uint64_t id_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Subscriber>> NatsQueue::Subscribe(const std::string& topic,
                                                                 const std::string& group,
                                                                 SubscribeOptions options) {
  natsmq::NatsStore::DeliveryObserver observe;
  if (options.on_fetch) {
    const size_t batch = static_cast<size_t>(std::max(options.batch, 1));
    observe = [batch, f = std::move(options.on_fetch)](const std::vector<natsmq::StoredMsg>& got) {
      for (size_t at = 0; at < got.size(); at += batch) {
        std::vector<Message> part;
        for (size_t i = at; i < std::min(got.size(), at + batch); ++i) {
          part.push_back(Message{static_cast<MessageId>(got[i].seq), got[i].payload});
        }
        f(part);
      }
    };
  }
  absl::StatusOr<uint64_t> id = store_->Subscribe(topic, group, std::move(observe));
  if (!id.ok()) return id.status();
  return std::unique_ptr<Subscriber>(new NatsSubscriber(store_.get(), alive_, *id));
}

absl::StatusOr<StoreAccounting> NatsQueue::Accounting(const std::string& topic) {
  absl::StatusOr<natsmq::StreamState> st = store_->GetStreamState(topic);
  if (!st.ok()) return st.status();
  StoreAccounting a;
  const auto first = static_cast<MessageId>(st->first_seq);
  a.first_id = st->msgs > 0 ? first : kNoMessage;
  a.first_exact = true;
  a.messages = st->msgs;
  a.bytes = st->bytes;
  if (st->msgs == 0) a.empty_first = first;
  absl::StatusOr<natsmq::FileUse> files = store_->GetStreamFiles(topic, lister_);
  if (!files.ok()) return files.status();
  a.files = TopicFiles{.bytes = files->block_bytes,
                       .files = files->blocks,
                       .block_size = files->block_size,
                       .record_overhead = natsmq::kRecordOverhead};
  return a;
}

std::string NatsQueue::EncodeId(MessageId id) const { return Le64(static_cast<uint64_t>(id)); }

absl::StatusOr<MessageId> NatsQueue::DecodeId(std::string_view bytes) const {
  return DecodeLe64Id(bytes, "natsmq");
}

}  // namespace mqsim::backends
