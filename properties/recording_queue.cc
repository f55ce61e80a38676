#include "properties/recording_queue.h"

#include <algorithm>
#include <memory>
#include <optional>

#include "base/assert.h"

namespace mqsim::properties {

namespace {

// The call's answer, and when it came.
void SetStatus(HistoryEvent& e, const absl::Status& s, int64_t end_ns) {
  e.ok = s.ok();
  e.code = static_cast<int>(s.code());
  e.end_ns = end_ns;
}

}  // namespace

HistoryEvent RecordingQueue::Event(EventKind kind, const std::string& topic,
                                   const std::string& group) {
  HistoryEvent e;
  e.time_ns = now_ns_();
  e.kind = kind;
  e.topic = topic;
  e.group = group;
  return e;
}

absl::Status RecordingQueue::CreateTopic(const std::string& topic) {
  HistoryEvent e = Event(EventKind::kCreateTopic, topic);
  const absl::Status s = inner_->CreateTopic(topic);
  SetStatus(e, s, now_ns_());
  history_->Add(std::move(e));
  return s;
}

absl::Status RecordingQueue::DestroyTopic(const std::string& topic) {
  HistoryEvent e = Event(EventKind::kDestroyTopic, topic);
  const absl::Status s = inner_->DestroyTopic(topic);
  SetStatus(e, s, now_ns_());
  history_->Add(std::move(e));
  return s;
}

absl::StatusOr<MessageId> RecordingQueue::Produce(const std::string& topic,
                                                  const std::string& payload) {
  HistoryEvent e = Event(EventKind::kProduce, topic);
  e.payload = payload.substr(0, History::kPayloadPrefix);
  e.digest = PayloadDigest(payload);
  e.bytes = payload.size();
  e.sync = sync_;
  absl::StatusOr<MessageId> id = inner_->Produce(topic, payload);
  SetStatus(e, id.status(), now_ns_());
  if (id.ok()) e.id = *id;
  history_->Add(std::move(e));
  return id;
}

absl::StatusOr<std::vector<MessageId>> RecordingQueue::ProduceMany(
    const std::string& topic, const std::vector<std::string>& payloads) {
  const HistoryEvent call = Event(EventKind::kProduce, topic);
  absl::StatusOr<std::vector<MessageId>> ids = inner_->ProduceMany(topic, payloads);
  if (absl::IsUnimplemented(ids.status())) return ids;
  MQSIM_ASSERT_MSG(!ids.ok() || ids->size() == payloads.size(), "one id per payload");
  for (size_t i = 0; i < payloads.size(); ++i) {
    HistoryEvent e = call;
    e.payload = payloads[i].substr(0, History::kPayloadPrefix);
    e.digest = PayloadDigest(payloads[i]);
    e.bytes = payloads[i].size();
    e.sync = sync_;
    e.batch = static_cast<uint32_t>(payloads.size());
    SetStatus(e, ids.status(), now_ns_());
    if (ids.ok()) e.id = (*ids)[i];
    history_->Add(std::move(e));
  }
  return ids;
}

absl::Status RecordingQueue::CreateConsumerGroup(const std::string& topic,
                                                 const std::string& group) {
  HistoryEvent e = Event(EventKind::kCreateGroup, topic, group);
  const absl::Status s = inner_->CreateConsumerGroup(topic, group);
  SetStatus(e, s, now_ns_());
  history_->Add(std::move(e));
  return s;
}

absl::Status RecordingQueue::DestroyConsumerGroup(const std::string& topic,
                                                  const std::string& group) {
  HistoryEvent e = Event(EventKind::kDestroyGroup, topic, group);
  const absl::Status s = inner_->DestroyConsumerGroup(topic, group);
  SetStatus(e, s, now_ns_());
  history_->Add(std::move(e));
  return s;
}

absl::StatusOr<std::vector<Message>> RecordingQueue::Consume(const std::string& topic,
                                                             const std::string& group, int n) {
  HistoryEvent e = Event(EventKind::kConsume, topic, group);
  e.asked = std::max(n, 0);
  absl::StatusOr<std::vector<Message>> got = inner_->Consume(topic, group, n);
  SetStatus(e, got.status(), now_ns_());
  if (got.ok()) e.messages = Seen(*got);
  history_->Add(std::move(e));
  return got;
}

namespace {

class RecordingSubscriber : public backends::Subscriber {
 public:
  RecordingSubscriber(std::unique_ptr<backends::Subscriber> inner, History* history,
                      std::function<int64_t()> now_ns, std::string topic, std::string group)
      : inner_(std::move(inner)),
        history_(history),
        now_ns_(std::move(now_ns)),
        topic_(std::move(topic)),
        group_(std::move(group)) {}
  void Deliver() override { inner_->Deliver(); }
  absl::StatusOr<std::vector<Message>> Receive(int max) override {
    absl::StatusOr<std::vector<Message>> got = inner_->Receive(max);
    HistoryEvent e{
        .time_ns = now_ns_(), .kind = EventKind::kReceive, .topic = topic_, .group = group_};
    e.asked = std::max(max, 0);
    SetStatus(e, got.status(), now_ns_());
    if (got.ok()) e.messages = Seen(*got);
    history_->Add(std::move(e));
    return got;
  }

 private:
  std::unique_ptr<backends::Subscriber> inner_;
  History* history_;
  std::function<int64_t()> now_ns_;
  std::string topic_;
  std::string group_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<backends::Subscriber>> RecordingQueue::Subscribe(
    const std::string& topic, const std::string& group, backends::SubscribeOptions options) {
  HistoryEvent e = Event(EventKind::kSubscribe, topic, group);
  // What the delivery task takes from the group is the group's consumption; a refused
  // fetch is recorded too (the delivery checker allows its retry). A store may deliver
  // inside Subscribe itself (natsmq): those fetches follow the subscription in the history.
  auto held = std::make_shared<std::optional<std::vector<HistoryEvent>>>(std::in_place);
  options.on_fetch =
      [this, topic, group, held, batch = options.batch,
       inner = std::move(options.on_fetch)](const absl::StatusOr<std::vector<Message>>& got) {
        HistoryEvent c = Event(EventKind::kConsume, topic, group);
        c.asked = std::max(batch, 0);
        SetStatus(c, got.status(), now_ns_());
        if (got.ok()) c.messages = Seen(*got);
        if (held->has_value()) {
          (*held)->push_back(std::move(c));
        } else {
          history_->Add(std::move(c));
        }
        if (inner) inner(got);
      };
  absl::StatusOr<std::unique_ptr<backends::Subscriber>> sub =
      inner_->Subscribe(topic, group, std::move(options));
  SetStatus(e, sub.status(), now_ns_());
  history_->Add(std::move(e));
  for (HistoryEvent& c : **held) history_->Add(std::move(c));
  held->reset();
  if (!sub.ok()) return sub.status();
  return std::unique_ptr<backends::Subscriber>(
      new RecordingSubscriber(std::move(*sub), history_, now_ns_, topic, group));
}

absl::Status RecordingQueue::Seek(const std::string& topic, const std::string& group,
                                  MessageId id) {
  HistoryEvent e = Event(EventKind::kSeek, topic, group);
  e.id = id;
  const absl::Status s = inner_->Seek(topic, group, id);
  SetStatus(e, s, now_ns_());
  history_->Add(std::move(e));
  return s;
}

absl::Status RecordingQueue::SeekToLatest(const std::string& topic, const std::string& group) {
  HistoryEvent e = Event(EventKind::kSeekToLatest, topic, group);
  const absl::Status s = inner_->SeekToLatest(topic, group);
  SetStatus(e, s, now_ns_());
  history_->Add(std::move(e));
  return s;
}

// An engine-specific call the store does not have is not recorded: nothing happened.
absl::Status RecordingQueue::Purge(const std::string& topic) {
  HistoryEvent e = Event(EventKind::kPurge, topic);
  const absl::Status s = inner_->Purge(topic);
  if (absl::IsUnimplemented(s)) return s;
  SetStatus(e, s, now_ns_());
  history_->Add(std::move(e));
  return s;
}

absl::Status RecordingQueue::DeleteMessage(const std::string& topic, MessageId id) {
  HistoryEvent e = Event(EventKind::kDeleteMessage, topic);
  e.id = id;
  const absl::Status s = inner_->DeleteMessage(topic, id);
  if (absl::IsUnimplemented(s)) return s;
  SetStatus(e, s, now_ns_());
  history_->Add(std::move(e));
  return s;
}

absl::StatusOr<MessageId> RecordingQueue::GetLatestMsg(const std::string& topic) {
  HistoryEvent e = Event(EventKind::kLatest, topic);
  absl::StatusOr<MessageId> id = inner_->GetLatestMsg(topic);
  SetStatus(e, id.status(), now_ns_());
  if (id.ok()) e.id = *id;
  history_->Add(std::move(e));
  return id;
}

namespace {

// The topic's messages from the start, chunk by chunk, by reader or by temporary group.
class FullReader {
 public:
  FullReader(backends::MessageQueue& queue, const std::string& topic)
      : queue_(queue), topic_(topic) {}
  ~FullReader() {
    if (group_) (void)queue_.DestroyConsumerGroup(topic_, kGroup);
  }
  // The next chunk after everything returned so far.
  absl::StatusOr<std::vector<Message>> Next(int n) {
    if (!group_) {
      absl::StatusOr<std::vector<Message>> chunk = queue_.Read(topic_, from_, n);
      if (!absl::IsUnimplemented(chunk.status())) {
        if (chunk.ok() && !chunk->empty()) from_ = chunk->back().id + 1;
        return chunk;
      }
      (void)queue_.DestroyConsumerGroup(topic_, kGroup);
      const absl::Status s = queue_.CreateConsumerGroup(topic_, kGroup);
      if (!s.ok()) return s;
      group_ = true;
    }
    return queue_.Consume(topic_, kGroup, n);
  }
  // Ends the read: the temporary group, if one was made, goes.
  absl::Status Finish() {
    if (!group_) return absl::OkStatus();
    group_ = false;
    return queue_.DestroyConsumerGroup(topic_, kGroup);
  }

 private:
  static constexpr char kGroup[] = "mqsim-read-all";
  backends::MessageQueue& queue_;
  const std::string& topic_;
  MessageId from_ = 0;
  bool group_ = false;
};

}  // namespace

absl::Status RecordFullRead(backends::MessageQueue& queue, const std::string& topic,
                            History* history, int64_t now_ns) {
  FullReader reader(queue, topic);
  // In chunks, digested as they come: a long topic's payloads are never all held at once.
  // The read ends when there is nothing more, or when a chunk does not start above every
  // id read so far: a store whose key order is not id order (bug mode decimal_keys) would
  // otherwise go round forever; what was read already shows its disorder. Each chunk read
  // raises the highest id seen, so the loop ends.
  constexpr int kChunk = 4096;
  std::vector<SeenMessage> seen;
  MessageId highest = backends::kNoMessage;
  for (;;) {
    absl::StatusOr<std::vector<Message>> chunk = reader.Next(kChunk);
    if (!chunk.ok()) return chunk.status();
    if (chunk->empty() || (!seen.empty() && chunk->front().id <= highest)) break;
    for (const Message& m : *chunk) {
      seen.emplace_back(m);
      highest = std::max(highest, m.id);
    }
  }
  const absl::Status s = reader.Finish();
  history->Add(HistoryEvent{
      .time_ns = now_ns, .kind = EventKind::kReadAll, .topic = topic, .messages = std::move(seen)});
  // The store's own bookkeeping at the same moment (nothing runs in between).
  absl::StatusOr<backends::StoreAccounting> accounting = queue.Accounting(topic);
  if (accounting.ok()) {
    history->Add(HistoryEvent{
        .time_ns = now_ns,
        .kind = EventKind::kAccounting,
        .topic = topic,
        .accounting = std::make_shared<const backends::StoreAccounting>(std::move(*accounting))});
  }
  return s;
}

}  // namespace mqsim::properties
