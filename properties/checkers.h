// Checkers: invariants over a History (history.h), each returning the first violation it
// finds, named by its property, with the events involved. They read the history only, so
// the same checker judges every backend. The anchors are Jepsen's Kafka checker (order,
// no gaps, no lost writes) and RocksDB's "recovered state is a prefix of the acknowledged
// trace" (durability: what was promised is there, nothing else appeared).
//
// Each checker accepts any history (a malformed one is judged, never asserted on) and walks
// it once, topic incarnation by topic incarnation (topic_walker.h: an incarnation ends at a
// successful DestroyTopic or a switch of mq.type).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "properties/acked_index.h"
#include "properties/history.h"
#include "properties/property.h"

namespace mqsim::properties {

struct Violation {
  Property property;
  std::string detail;
  std::vector<size_t> events;  // indexes into the history
  std::string ToString(const History& h) const;
};

// A read that passed over an acknowledged message its group was owed (the first one at or
// after where the read had to start), with retention on: whether retention could have
// taken that message is for a retention model to say (CheckNoGapUnderRetention).
struct OwedSkip {
  size_t read = 0;        // the consume event
  size_t owed_event = 0;  // the owed message's produce
  size_t since = 0;       // the event that set where the read had to start (a seek, a read)
  MessageId owed = 0;
  bool after_seek = false;
};

struct CheckOptions {
  // Retention may delete consumed messages from the front of a topic (rocksmq retention,
  // NATS limits): reads may then start later, and skipped-over messages must be older
  // than everything delivered after them.
  bool retention = false;
  // With retention: where set, every read that passes over an owed message, and every
  // GetLatestMsg that answers none while a message was acknowledged (CheckLatest; owed is
  // the last one), is listed here, in history order, instead of being let through unjudged.
  std::vector<OwedSkip>* skips = nullptr;
  // A seek beyond the latest id lands just after the latest instead of at the id sought:
  // rocksmq clamps the position, natsmq (as nats-server 2.9) the start sequence of a
  // consumer created beyond the stream's last sequence.
  bool seek_clamps_to_latest = false;
};

// Per topic (between destroys): acknowledged ids strictly increase, also across crashes
// (never reused); each delivery is in increasing id order; an id never carries two payloads.
std::optional<Violation> CheckOrdering(const History& h);
// A group that did not seek, restart or get re-created reads every acknowledged message
// after the last one it read: no message is skipped. After Seek(id) the next read starts
// at the first acknowledged message >= id (exactly it, if it exists); after SeekToLatest,
// only messages acknowledged after the seek are read.
std::optional<Violation> CheckNoGapsAndSeeks(const History& h, const CheckOptions& o = {});
// GetLatestMsg answers an id of this topic, never below an acknowledged message still
// there, and "none" only if the topic holds none of its acknowledged messages. An id never
// acknowledged must lie where a failed produce may have stored it: between the ids
// acknowledged just before and just after that failure.
// With retention, "none" is also right once everything was retained (or expired).
std::optional<Violation> CheckLatest(const History& h, const CheckOptions& o = {});
// Each read-all after recovery holds every message promised durable (acknowledged with
// sync, or acknowledged after the last power loss, or before a completed sync pass (kSync)
// with no power loss in between; after a plain crash every acknowledged one) except, with
// retention, a prefix; and nothing that was never produced.
std::optional<Violation> CheckDurability(const History& h, const CheckOptions& o = {});

// All of the above, in that order.
std::optional<Violation> CheckAll(const History& h, const CheckOptions& o = {});

}  // namespace mqsim::properties
