#include "properties/history.h"

#include <xxhash.h>

namespace mqsim::properties {

uint64_t PayloadDigest(std::string_view payload) {
  return XXH3_64bits(payload.data(), payload.size());
}

std::vector<SeenMessage> Seen(const std::vector<Message>& messages) {
  return std::vector<SeenMessage>(messages.begin(), messages.end());
}

std::string_view ToString(EventKind kind) {
  switch (kind) {
    case EventKind::kCreateTopic:
      return "create-topic";
    case EventKind::kDestroyTopic:
      return "destroy-topic";
    case EventKind::kProduce:
      return "produce";
    case EventKind::kCreateGroup:
      return "create-group";
    case EventKind::kDestroyGroup:
      return "destroy-group";
    case EventKind::kConsume:
      return "consume";
    case EventKind::kSeek:
      return "seek";
    case EventKind::kSeekToLatest:
      return "seek-to-latest";
    case EventKind::kLatest:
      return "latest";
    case EventKind::kCrash:
      return "crash";
    case EventKind::kPowerLoss:
      return "power-loss";
    case EventKind::kRecover:
      return "recover";
    case EventKind::kReadAll:
      return "read-all";
    case EventKind::kFlushAll:
      return "flush-all";
    case EventKind::kRetention:
      return "retention";
    case EventKind::kSwitch:
      return "switch";
    case EventKind::kAccounting:
      return "accounting";
    case EventKind::kSubscribe:
      return "subscribe";
    case EventKind::kReceive:
      return "receive";
    case EventKind::kPurge:
      return "purge";
    case EventKind::kDeleteMessage:
      return "delete-message";
    case EventKind::kSync:
      return "sync";
    case EventKind::kCompaction:
      return "compaction";
  }
  return "?";
}

uint64_t MessagesDigest(const SeenMessages& messages) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  for (const SeenMessage& m : messages) {
    const uint64_t words[3] = {static_cast<uint64_t>(m.id), m.digest, m.bytes};
    XXH3_64bits_update(state, words, sizeof words);
  }
  const uint64_t digest = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return digest;
}

void History::Add(HistoryEvent e) {
  if (e.kind == EventKind::kProduce && e.digest == 0 && e.bytes == 0) {
    e.digest = PayloadDigest(e.payload);
    e.bytes = e.payload.size();
    if (e.payload.size() > kPayloadPrefix) e.payload.resize(kPayloadPrefix);
  }
  if (e.kind == EventKind::kReadAll && !e.messages.shared()) {
    auto last = last_read_all_.find(e.topic);
    e.messages = SeenMessages::Share(
        last == last_read_all_.end() ? SeenMessages() : events_[last->second].messages,
        std::move(e.messages));
    last_read_all_[e.topic] = events_.size();
  }
  if (trace_ != nullptr) Trace(e, events_.size());
  events_.push_back(std::move(e));
}

void History::Trace(const HistoryEvent& e, size_t index) {
  sim::TraceEventBuilder t = trace_->Event("mq." + std::string(ToString(e.kind)));
  t.Kv("event", static_cast<uint64_t>(index));
  if (!e.topic.empty()) t.Kv("topic", e.topic);
  if (!e.group.empty()) t.Kv("group", e.group);
  if (!e.ok) t.Kv("ok", false).Kv("code", static_cast<int64_t>(e.code));
  if (e.id != backends::kNoMessage) t.Kv("id", static_cast<int64_t>(e.id));
  if (e.kind == EventKind::kProduce) {
    t.Kv("bytes", e.bytes).Kv("digest", e.digest).Kv("sync", e.sync);
    if (e.batch > 0) t.Kv("batch", static_cast<uint64_t>(e.batch));
  } else if (!e.payload.empty()) {
    t.Kv("what", e.payload);
  }
  if (!e.messages.empty()) {
    t.Kv("n", static_cast<uint64_t>(e.messages.size()))
        .Kv("first", static_cast<int64_t>(e.messages.front().id))
        .Kv("last", static_cast<int64_t>(e.messages.back().id))
        .Kv("messages", MessagesDigest(e.messages));
  }
  if (e.kind == EventKind::kAccounting && e.accounting != nullptr) {
    const backends::StoreAccounting& a = *e.accounting;
    t.Kv("pages", static_cast<uint64_t>(a.pages.size()))
        .Kv("open_bytes", a.open_bytes)
        .Kv("first_id", static_cast<int64_t>(a.first_id));
    if (a.messages) t.Kv("msgs", *a.messages);
    if (a.bytes) t.Kv("stored_bytes", *a.bytes);
    if (a.empty_first) t.Kv("empty_first", static_cast<int64_t>(*a.empty_first));
  }
}

std::string History::Describe(size_t index) const {
  const HistoryEvent& e = events_.at(index);
  std::string out = "#" + std::to_string(index) + " t=" + std::to_string(e.time_ns / 1'000'000) +
                    "ms " + std::string(ToString(e.kind));
  if (!e.topic.empty()) out += " " + e.topic;
  if (!e.group.empty()) out += "/" + e.group;
  if (!e.ok) out += " (failed)";
  if (e.id != backends::kNoMessage) out += " id=" + std::to_string(e.id);
  if (!e.payload.empty()) out += " payload=" + e.payload;
  if (e.kind == EventKind::kProduce) out += " (" + std::to_string(e.bytes) + " B)";
  if (e.sync) out += " sync";
  if (e.batch > 0) out += " (one call of " + std::to_string(e.batch) + ")";
  if (e.asked >= 0) out += " asked=" + std::to_string(e.asked);
  if (!e.messages.empty()) {
    out += " [";
    size_t i = 0;
    for (auto m = e.messages.begin(); m != e.messages.end() && i < 8; ++m, ++i) {
      out += (i ? "," : "") + std::to_string(m->id);
    }
    if (e.messages.size() > 8) out += ",... " + std::to_string(e.messages.size()) + " total";
    out += "]";
  }
  if (e.kind == EventKind::kAccounting && e.accounting != nullptr) {
    const backends::StoreAccounting& a = *e.accounting;
    out += " first_id=" + std::to_string(a.first_id);
    if (a.messages) out += " msgs=" + std::to_string(*a.messages);
    if (a.bytes) out += " stored=" + std::to_string(*a.bytes) + "B";
    if (a.empty_first) out += " empty_first=" + std::to_string(*a.empty_first);
    out += " open=" + std::to_string(a.open_bytes) + "B pages=[";
    for (size_t i = 0; i < a.pages.size() && i < 8; ++i) {
      const backends::PageSpan& p = a.pages[i];
      out += (i ? "," : "") + std::to_string(p.first_id) + ".." + std::to_string(p.last_id) + ":" +
             std::to_string(p.bytes) + "B";
    }
    if (a.pages.size() > 8) out += ",... " + std::to_string(a.pages.size()) + " total";
    out += "]";
  }
  if (e.kind == EventKind::kCompaction && e.shared_files != nullptr) {
    out += " files=" + std::to_string(e.shared_files->files) +
           " bytes=" + std::to_string(e.shared_files->bytes);
  }
  return out;
}

}  // namespace mqsim::properties
