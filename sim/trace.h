// Trace: the structured record of a run and its fingerprint.
//
// Every scheduler step and every engine or fault action emits an event (sim time, actor,
// kind, key/values), built FoundationDB-style and committed when the builder goes out of
// scope:
//     trace.Event("disk.sync").Kv("file", name).Kv("bytes", n);
// Each event, and every random draw between events (Trace is the DrawObserver of the run's
// Random streams), is folded into a rolling 64-bit hash. Two runs with equal hashes executed
// the same steps with the same draws. Events are materialised (strings, fields) only when
// a sink is attached or a capture window covers them, so an unobserved run pays for hashing
// only.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "sim/clock.h"
#include "sim/random.h"
#include "sim/time.h"

namespace mqsim::sim {

using TraceValue = std::variant<int64_t, uint64_t, double, bool, std::string, Duration>;

struct TraceEvent {
  uint64_t step = 0;  // 1-based index of the event in its run
  Time time;
  std::string actor;  // the task or callback that emitted it
  std::string kind;
  std::vector<std::pair<std::string, TraceValue>> fields;
  uint64_t hash_after = 0;  // the run hash once this event was folded in

  // One line: "step 17 @1m02s [producer-1] disk.sync file=000012.log bytes=4096".
  std::string ToString() const;
};

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void Write(const TraceEvent& event) = 0;
};

// Writes one JSON object per line: {"step":..,"t_ns":..,"actor":..,"kind":..,<fields>,"hash":..}
class JsonlTraceWriter : public TraceSink {
 public:
  explicit JsonlTraceWriter(std::ostream& out) : out_(out) {}
  void Write(const TraceEvent& event) override;

 private:
  std::ostream& out_;
};

class Trace;

// Builder for one event; commits in its destructor.
class TraceEventBuilder {
 public:
  TraceEventBuilder(Trace* trace, std::string_view kind);
  ~TraceEventBuilder();
  TraceEventBuilder(const TraceEventBuilder&) = delete;
  TraceEventBuilder& operator=(const TraceEventBuilder&) = delete;

  TraceEventBuilder& Kv(std::string_view key, int64_t v);
  TraceEventBuilder& Kv(std::string_view key, uint64_t v);
  TraceEventBuilder& Kv(std::string_view key, int v) { return Kv(key, static_cast<int64_t>(v)); }
  TraceEventBuilder& Kv(std::string_view key, unsigned v) {
    return Kv(key, static_cast<uint64_t>(v));
  }
  TraceEventBuilder& Kv(std::string_view key, long long v) {
    return Kv(key, static_cast<int64_t>(v));
  }
  TraceEventBuilder& Kv(std::string_view key, unsigned long long v) {
    return Kv(key, static_cast<uint64_t>(v));
  }
  TraceEventBuilder& Kv(std::string_view key, double v);
  TraceEventBuilder& Kv(std::string_view key, bool v);
  TraceEventBuilder& Kv(std::string_view key, std::string_view v);
  TraceEventBuilder& Kv(std::string_view key, const char* v) {
    return Kv(key, std::string_view(v));
  }
  TraceEventBuilder& Kv(std::string_view key, const std::string& v) {
    return Kv(key, std::string_view(v));
  }
  TraceEventBuilder& Kv(std::string_view key, Duration v);
  TraceEventBuilder& Kv(std::string_view key, Time v) { return Kv(key, v.since_start()); }

 private:
  void Fold(std::string_view key, uint64_t tag, uint64_t bits);

  Trace* trace_;
  uint64_t hash_;
  std::unique_ptr<TraceEvent> event_;  // only when the trace records this event
};

class Trace : public DrawObserver {
 public:
  explicit Trace(const VirtualClock* clock = nullptr) : clock_(clock) {}

  TraceEventBuilder Event(std::string_view kind) { return TraceEventBuilder(this, kind); }

  void OnDraw(uint64_t stream_id, uint64_t value) override;

  uint64_t hash() const { return hash_; }
  uint64_t steps() const { return steps_; }
  uint64_t draws() const { return draws_; }

  void set_clock(const VirtualClock* clock) { clock_ = clock; }
  // The actor named in subsequent events (set by the scheduler at every step).
  void set_actor(std::string_view actor) { actor_.assign(actor); }
  const std::string& actor() const { return actor_; }

  // Optional consumers of events. The sink sees every event; step hashes record the hash
  // after each event (for the determinism check); the capture keeps events whose step lies
  // in [first, last].
  void set_sink(TraceSink* sink) { sink_ = sink; }
  void RecordStepHashes(std::vector<uint64_t>* out) { step_hashes_ = out; }
  void Capture(uint64_t first_step, uint64_t last_step, std::vector<TraceEvent>* out);

 private:
  friend class TraceEventBuilder;
  bool Recording() const { return sink_ != nullptr || capture_ != nullptr; }
  void Commit(uint64_t event_hash, std::unique_ptr<TraceEvent> event);

  const VirtualClock* clock_;
  std::string actor_;
  uint64_t hash_ = 0x6d717369'6d000001ULL;  // "mqsim", version 1
  uint64_t steps_ = 0;
  uint64_t draws_ = 0;
  TraceSink* sink_ = nullptr;
  std::vector<uint64_t>* step_hashes_ = nullptr;
  std::vector<TraceEvent>* capture_ = nullptr;
  uint64_t capture_first_ = 0;
  uint64_t capture_last_ = 0;
};

std::string ToString(const TraceValue& value);

// How a field goes into JSON (the JSONL and Chrome writers): digests and hashes (keys
// "hash", "digest", "messages") as 16 hex digits, other integers beyond 2^53 (which
// JavaScript and most JSON readers round) as decimal strings; nullopt for a plain value.
std::optional<std::string> JsonText(std::string_view key, const TraceValue& value);

// A field as a JSON value of type Json (nlohmann::json or ordered_json): JsonText's string
// when it gives one, else the value itself, a Duration as text or in nanoseconds.
template <typename Json>
Json TraceValueJson(std::string_view key, const TraceValue& value, bool duration_as_text) {
  if (std::optional<std::string> text = JsonText(key, value)) return Json(*text);
  return std::visit(
      [&](const auto& x) -> Json {
        using V = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<V, Duration>) {
          return duration_as_text ? Json(x.ToString()) : Json(x.nanos());
        } else {
          return Json(x);
        }
      },
      value);
}

}  // namespace mqsim::sim
