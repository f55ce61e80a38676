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

absl::StatusOr<std::vector<Message>> RocksMqQueue::Consume(const std::string& topic,
                                                           const std::string& group, int n) {
  absl::StatusOr<std::vector<rocksmq::ConsumerMessage>> got = mq_->Consume(topic, group, n);
  if (!got.ok()) return got.status();
  std::vector<Message> out;
  out.reserve(got->size());
  for (auto& m : *got) out.push_back(Message{m.id, std::move(m.payload)});
  return out;
}

std::string RocksMqQueue::EncodeId(MessageId id) const { return Le64(static_cast<uint64_t>(id)); }

absl::StatusOr<MessageId> RocksMqQueue::DecodeId(std::string_view bytes) const {
  return DecodeLe64Id(bytes, "rocksmq");
}

}  // namespace mqsim::backends
