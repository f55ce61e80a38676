#include "backends/memory_queue.h"

#include <algorithm>

#include "backends/id_bytes.h"

namespace mqsim::backends {

MemoryQueue::MemoryQueue(MemoryQueueOptions options)
    : options_(options), next_ledger_(options.first_ledger) {}

absl::StatusOr<MemoryQueue::Topic*> MemoryQueue::Find(const std::string& topic) {
  if (closed_) return absl::FailedPreconditionError(std::string(ToString(type())) + " is closed");
  auto it = topics_.find(topic);
  if (it == topics_.end()) {
    return absl::NotFoundError("topic \"" + topic + "\" does not exist");
  }
  return &it->second;
}

absl::StatusOr<MessageId*> MemoryQueue::FindGroup(const std::string& topic,
                                                  const std::string& group, Topic** t) {
  absl::StatusOr<Topic*> found = Find(topic);
  if (!found.ok()) return found.status();
  auto it = (*found)->groups.find(group);
  if (it == (*found)->groups.end()) {
    return absl::NotFoundError("consumer group \"" + group + "\" does not exist on topic \"" +
                               topic + "\"");
  }
  *t = *found;
  return &it->second;
}

absl::Status MemoryQueue::CreateTopic(const std::string& topic) {
  if (closed_) return absl::FailedPreconditionError(std::string(ToString(type())) + " is closed");
  if (topic.empty()) return absl::InvalidArgumentError("topic name is empty");
  auto [it, fresh] = topics_.try_emplace(topic);
  if (fresh) {
    Topic& t = it->second;
    switch (options_.type) {
      case MqType::kKafka:
        t.next_id = 0;
        break;
      case MqType::kPulsar:
        t.ledger = next_ledger_++;
        break;
      default:
        t.next_id = 1;
        break;
    }
  }
  return absl::OkStatus();
}

absl::Status MemoryQueue::DestroyTopic(const std::string& topic) {
  if (closed_) return absl::FailedPreconditionError(std::string(ToString(type())) + " is closed");
  topics_.erase(topic);
  return absl::OkStatus();
}

MessageId MemoryQueue::NextId(Topic& t) {
  if (options_.type != MqType::kPulsar) return t.next_id++;
  if (t.entry == options_.entries_per_ledger) {  // the ledger is full: roll over
    t.ledger = next_ledger_++;
    t.entry = 0;
  }
  return static_cast<MessageId>((t.ledger << 32) | t.entry++);
}

absl::StatusOr<MessageId> MemoryQueue::Produce(const std::string& topic,
                                               const std::string& payload) {
  absl::StatusOr<Topic*> t = Find(topic);
  if (!t.ok()) return t.status();
  if (options_.max_message_bytes >= 0 &&
      static_cast<int64_t>(payload.size()) > options_.max_message_bytes) {
    const char* what = options_.type == MqType::kPulsar  ? "MessageTooBig"
                       : options_.type == MqType::kKafka ? "MSG_SIZE_TOO_LARGE"
                                                         : "message too large";
    return absl::InvalidArgumentError(std::string(ToString(type())) + ": " + what + ": " +
                                      std::to_string(payload.size()) + " bytes exceed the " +
                                      std::to_string(options_.max_message_bytes) +
                                      "-byte maximum message size");
  }
  const MessageId id = NextId(**t);
  (*t)->messages.push_back(Message{id, payload});
  return id;
}

absl::Status MemoryQueue::CreateConsumerGroup(const std::string& topic, const std::string& group) {
  absl::StatusOr<Topic*> t = Find(topic);
  if (!t.ok()) return t.status();
  if (group.empty()) return absl::InvalidArgumentError("consumer group name is empty");
  if (!(*t)->groups.emplace(group, MessageId{0}).second) {
    return absl::AlreadyExistsError("consumer group \"" + group + "\" already exists on topic \"" +
                                    topic + "\"");
  }
  return absl::OkStatus();
}

absl::Status MemoryQueue::DestroyConsumerGroup(const std::string& topic, const std::string& group) {
  absl::StatusOr<Topic*> t = Find(topic);
  if (!t.ok()) return t.status();
  (*t)->groups.erase(group);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Message>> MemoryQueue::Consume(const std::string& topic,
                                                          const std::string& group, int n) {
  Topic* t = nullptr;
  absl::StatusOr<MessageId*> pos = FindGroup(topic, group, &t);
  if (!pos.ok()) return pos.status();
  if (n <= 0) return absl::InvalidArgumentError("consume: n must be positive");
  auto it = std::lower_bound(t->messages.begin(), t->messages.end(), **pos,
                             [](const Message& m, MessageId id) { return m.id < id; });
  std::vector<Message> out;
  for (; it != t->messages.end() && static_cast<int>(out.size()) < n; ++it) out.push_back(*it);
  if (!out.empty()) **pos = out.back().id + 1;
  return out;
}

absl::Status MemoryQueue::Seek(const std::string& topic, const std::string& group, MessageId id) {
  Topic* t = nullptr;
  absl::StatusOr<MessageId*> pos = FindGroup(topic, group, &t);
  if (!pos.ok()) return pos.status();
  **pos = std::max<MessageId>(id, 0);
  return absl::OkStatus();
}

absl::Status MemoryQueue::SeekToLatest(const std::string& topic, const std::string& group) {
  Topic* t = nullptr;
  absl::StatusOr<MessageId*> pos = FindGroup(topic, group, &t);
  if (!pos.ok()) return pos.status();
  // Without retention an empty topic never held a message: every future id qualifies.
  **pos = t->messages.empty() ? 0 : t->messages.back().id + 1;
  return absl::OkStatus();
}

absl::StatusOr<MessageId> MemoryQueue::GetLatestMsg(const std::string& topic) {
  absl::StatusOr<Topic*> t = Find(topic);
  if (!t.ok()) return t.status();
  return (*t)->messages.empty() ? kNoMessage : (*t)->messages.back().id;
}

absl::Status MemoryQueue::Close() {
  if (closed_) return absl::FailedPreconditionError(std::string(ToString(type())) + " is closed");
  closed_ = true;
  return absl::OkStatus();
}

std::string MemoryQueue::EncodeId(MessageId id) const {
  if (options_.type != MqType::kPulsar) return Le64(static_cast<uint64_t>(id));
  const auto u = static_cast<uint64_t>(id);
  return Le64(u >> 32) + Le64(u & 0xffffffffu);  // ledgerId, entryId
}

absl::StatusOr<MessageId> MemoryQueue::DecodeId(std::string_view bytes) const {
  if (options_.type != MqType::kPulsar) return DecodeLe64Id(bytes, ToString(type()));
  if (bytes.size() != 16) {
    return absl::InvalidArgumentError("pulsar message id must be 16 bytes (ledger, entry), got " +
                                      std::to_string(bytes.size()));
  }
  const uint64_t ledger = ReadLe64(bytes.substr(0, 8));
  const uint64_t entry = ReadLe64(bytes.substr(8, 8));
  if (ledger >= (1ULL << 31) || entry >= (1ULL << 32)) {
    return absl::InvalidArgumentError("pulsar message id out of range (ledger " +
                                      std::to_string(ledger) + ", entry " + std::to_string(entry) +
                                      ")");
  }
  return static_cast<MessageId>((ledger << 32) | entry);
}

}  // namespace mqsim::backends
