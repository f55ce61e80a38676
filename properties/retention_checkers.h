// Checkers of what a store may delete and when (history.h has the events they read).
//
// Deletions are observed in kReadAll events (a topic's whole content at a time): an
// acknowledged message of the topic that is not there, below the first one that is, was
// retained or evicted. Power-loss losses are the durability checker's business and are
// skipped here (messages acknowledged without sync before a power loss are ignored).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "properties/checkers.h"
#include "sim/time.h"

namespace mqsim::properties {

// RocksMQ retention (rocksmq.md): a message goes only once its page was consumed by every
// group (never an unacked page), and with only the time rule not before retention_time
// after that; and it must be gone within retention_time + the ticker interval + slack (GC
// pauses, starvation) once every group has read past a full page beyond it — plus the time
// the store was down meanwhile and a ticker interval per restart (from the history's crash
// and recover events). What the rules allow at each moment is a RetentionModel
// (retention_model.h); the checker judges every read-all against it: never early, never late.
// With neither rule configured (no time, size_bytes < 0) there is nothing to check.
struct RetentionBounds {
  std::optional<sim::Duration> time;                // rocksmq.retentionTimeInMinutes; none: no rule
  int64_t size_bytes = -1;                          // rocksmq.retentionSizeInMB; -1: no size rule
  int64_t page_bytes = 64 << 20;                    // rocksmq.rocksmqPageSize
  sim::Duration tick = sim::Duration::Seconds(10);  // rocksmq.timtickerInterval
  sim::Duration slack;                              // allowed lateness: GC pauses, starvation
  // Whether the engine may fail to write a page's ack record (a fault point on it is armed):
  // the reopen that follows re-acks by the groups' positions then, so a page passed before
  // a backward seek may wait for the seeking group again.
  bool ack_writes_may_fail = true;

  // The same in the history's nanoseconds (time: -1 without a time rule).
  int64_t time_ns() const { return time ? time->nanos() : -1; }
  int64_t tick_ns() const { return tick.nanos(); }
  int64_t slack_ns() const { return slack.nanos(); }
};
std::optional<Violation> CheckRetention(const History& h, const RetentionBounds& b);

// No gap under retention: the gap and seek rules of CheckNoGapsAndSeeks, and every message
// a group is owed is delivered unless retention could have taken it by the time the read
// passed over it: every group had passed it, and (without a size rule, which may delete an
// acknowledged page at once) the retention time had run since. A seek that lands one past
// its target, or a read that skips a message another group has not read, fails.
std::optional<Violation> CheckNoGapUnderRetention(const History& h, const RetentionBounds& b);
// CheckLatest under the same model: GetLatestMsg may answer "none" for a topic that had
// acknowledged messages only when retention can have taken its last one (every group had
// passed it and, without a size rule, the retention time had run since).
std::optional<Violation> CheckLatestUnderRetention(const History& h, const RetentionBounds& b);

// Nothing deleted comes back: once a read-all shows a topic starting at id F, no later
// read delivers an older acknowledged message; after DestroyTopic, no message of the old
// topic is delivered by the new one; after a Purge or DeleteMessage returned ok, none it
// removed is delivered again, power loss or not.
std::optional<Violation> CheckNoResurrection(const History& h);

// JetStream limits on a stream (natsmq.md), in both directions. At every read-all: at most
// max_msgs messages and max_bytes bytes (as size_of counts them), none older than max_age +
// slack; and no acknowledged message gone (DiscardOld evicts oldest first) unless a limit
// demanded it: it was max_age old, or it and the publishes after it could exceed max_msgs
// or max_bytes.
struct NatsLimits {
  int64_t max_msgs = -1;                 // -1: none
  int64_t max_bytes = -1;                // -1: none
  std::optional<sim::Duration> max_age;  // none: no age limit
  sim::Duration slack;                   // expiry timer lateness allowed (GC pauses)
  std::function<uint64_t(const std::string& topic, uint64_t payload_bytes)> size_of;

  // The same in the history's nanoseconds (max_age: 0 without an age limit).
  int64_t max_age_ns() const { return max_age ? max_age->nanos() : 0; }
  int64_t slack_ns() const { return slack.nanos(); }
};
std::optional<Violation> CheckNatsLimits(const History& h, const NatsLimits& l);

// JetStream's stored size of a message (nats-server's fileStoreMsgSize): what MaxBytes
// counts. The checker's own copy: the engine's accounting is what is being judged.
inline uint64_t JetStreamStoredBytes(size_t subject, size_t headers, size_t payload) {
  return headers == 0 ? 30 + subject + payload : 34 + subject + headers + payload;
}

}  // namespace mqsim::properties
