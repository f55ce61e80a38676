// History: what a run did to its message stores and what it saw, with simulated times.
// Checkers (checkers.h) read only this, never engine internals, so one checker judges every
// backend (the Jepsen approach). RecordingQueue (recording_queue.h) records the message-queue
// calls; the harness adds crashes, power losses, recoveries and final reads.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backends/message_queue.h"
#include "properties/interned.h"
#include "properties/seen_messages.h"
#include "sim/trace.h"

namespace mqsim::properties {

using backends::Message;
using backends::MessageId;

// A 64-bit digest (XXH3) of a payload: the history compares payloads by it.
uint64_t PayloadDigest(std::string_view payload);

std::vector<SeenMessage> Seen(const std::vector<Message>& messages);

enum class EventKind {
  kCreateTopic,
  kDestroyTopic,
  kProduce,  // id set when acknowledged (ok)
  kCreateGroup,
  kDestroyGroup,
  kConsume,  // messages as delivered
  kSeek,     // id: the target
  kSeekToLatest,
  kLatest,         // id: the answer
  kCrash,          // the process died; page cache kept
  kPowerLoss,      // unsynced data may be gone
  kRecover,        // the store is open again
  kReadAll,        // messages: the whole topic as read after recovery
  kFlushAll,       // id: the flush timestamp
  kRetention,      // a retention / expiry pass ran (payload: the job)
  kSwitch,         // mq.type changed (payload: the new type): every topic starts afresh
  kAccounting,     // accounting: the store's page bookkeeping, taken with the read-all before it
  kSubscribe,      // a push consumer attached to the group
  kReceive,        // messages the application took from a push consumer's buffer (maybe none)
  kPurge,          // every message of the topic removed (engine-specific)
  kDeleteMessage,  // id: the message removed (engine-specific)
  kSync,           // a periodic sync pass completed: what was acknowledged before is durable
  kCompaction,     // a compaction pass completed; shared_files: the store's files right after
};

std::string_view ToString(EventKind kind);

// The payload of the kSync event a store's Close records when it answered ok, right before
// the kCrash that ends the process (a clean stop).
inline constexpr char kCleanStopSync[] = "clean stop";

struct HistoryEvent {
  int64_t time_ns = 0;  // when the call began (or the event happened)
  // When the call returned, as RecordingQueue records it (a call may outlast a stalled
  // disk or a GC pause); 0 where not recorded. Not traced.
  int64_t end_ns = 0;
  EventKind kind = EventKind::kProduce;
  Interned topic = {};
  Interned group = {};
  bool ok = true;
  int code = 0;  // the call's absl::StatusCode when it failed
  MessageId id = backends::kNoMessage;
  // Produce: the payload's first kPayloadPrefix bytes (for reports), its digest and its
  // size; History::Add fills digest and bytes from a full payload and trims it. Other
  // events: a free-form word (the retention job, the new mq.type).
  std::string payload = {};
  uint64_t digest = 0;
  uint64_t bytes = 0;
  bool sync = false;  // produce: the store promised durability (produceSync / sync always)
  // Produce: the number of messages of the one call this message went in (ProduceMany), or
  // 0 for a call of its own. A call's messages are consecutive events, in payload order.
  uint32_t batch = 0;
  // kConsume, kReceive: the most messages the call asked for (a negative count asks for
  // none); -1: not recorded. Not traced: the workload's own choice, fixed by the seed and
  // what the run saw before.
  int64_t asked = -1;
  SeenMessages messages = {};
  // kAccounting: the store's page bookkeeping (held apart: most events have none).
  std::shared_ptr<const backends::StoreAccounting> accounting = nullptr;
  // kCompaction: the files the store's topics share, as the store accounts them right after
  // the pass (not traced: the event's kind and job are).
  std::shared_ptr<const backends::SharedFiles> shared_files = nullptr;
};

// The history is part of the run: with a trace set, every event added is also a trace
// event "mq.<kind>" (topic, group, status, id, payload digest and size, a digest of the
// messages delivered, accounting) and so is folded into the run's hash. Two runs that saw
// different answers from their store never share a hash.
class History {
 public:
  static constexpr size_t kPayloadPrefix = 15;  // fits std::string's inline buffer
  // Records e. A produce given its whole payload keeps its digest, size and first bytes; a
  // full read shares what it has in common with the topic's previous full read
  // (SeenMessages::Share), so that reading every topic often costs memory only for what
  // changed.
  void Add(HistoryEvent e);
  // REQUIRES: trace outlives the history, or is reset to nullptr first.
  void set_trace(sim::Trace* trace) { trace_ = trace; }
  // A deque: growing never copies the events (a vector's doubling held three times a long
  // run's history at once), and references to events stay valid.
  const std::deque<HistoryEvent>& events() const { return events_; }
  size_t size() const { return events_.size(); }
  // One line per event, for failure reports.
  std::string Describe(size_t index) const;

 private:
  void Trace(const HistoryEvent& e, size_t index);

  std::deque<HistoryEvent> events_;
  std::map<std::string, size_t> last_read_all_;  // by topic: its latest kReadAll event
  sim::Trace* trace_ = nullptr;
};

// One 64-bit digest of a delivery: every message's id and payload digest, in order.
uint64_t MessagesDigest(const SeenMessages& messages);

}  // namespace mqsim::properties
