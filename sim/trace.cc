#include "sim/trace.h"

#include <xxhash.h>

#include <bit>
#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

namespace mqsim::sim {

namespace {

uint64_t HashString(std::string_view s) { return XXH3_64bits(s.data(), s.size()); }

// Folds v into h; order-sensitive.
uint64_t Fold64(uint64_t h, uint64_t v) { return Mix64(h ^ Mix64(v + 0x2545f4914f6cdd1dULL)); }

enum Tag : uint64_t { kInt = 1, kUint, kDouble, kBool, kString, kDuration };

}  // namespace

std::string ToString(const TraceValue& value) {
  struct Visitor {
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(uint64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", v);
      return buf;
    }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(const std::string& v) const { return v; }
    std::string operator()(Duration v) const { return v.ToString(); }
  };
  return std::visit(Visitor{}, value);
}

std::string TraceEvent::ToString() const {
  std::string out =
      "step " + std::to_string(step) + " @" + time.ToString() + " [" + actor + "] " + kind;
  for (const auto& [key, value] : fields) out += " " + key + "=" + sim::ToString(value);
  return out;
}

std::optional<std::string> JsonText(std::string_view key, const TraceValue& value) {
  constexpr uint64_t kExact = uint64_t{1} << 53;
  const bool digest = key == "hash" || key == "digest" || key == "messages";
  uint64_t bits = 0;
  if (const uint64_t* u = std::get_if<uint64_t>(&value)) {
    bits = *u;
  } else if (const int64_t* i = std::get_if<int64_t>(&value)) {
    if (!digest && *i > -static_cast<int64_t>(kExact) && *i < static_cast<int64_t>(kExact)) {
      return std::nullopt;
    }
    bits = static_cast<uint64_t>(*i);
    if (!digest) return std::to_string(*i);
  } else {
    return std::nullopt;
  }
  if (digest) {
    char hex[20];
    std::snprintf(hex, sizeof hex, "%016" PRIx64, bits);
    return std::string(hex);
  }
  if (bits < kExact) return std::nullopt;
  return std::to_string(bits);
}

void JsonlTraceWriter::Write(const TraceEvent& event) {
  nlohmann::ordered_json j;
  j["step"] = event.step;
  j["t_ns"] = event.time.nanos();
  j["actor"] = event.actor;
  j["kind"] = event.kind;
  for (const auto& [key, value] : event.fields) {
    // "hash" is each line's running hash; an event's own hash field is its data's.
    j[key == "hash" ? "data_hash" : key] =
        TraceValueJson<nlohmann::ordered_json>(key, value, /*duration_as_text=*/false);
  }
  char hash[20];
  std::snprintf(hash, sizeof hash, "%016" PRIx64, event.hash_after);
  j["hash"] = hash;
  out_ << j.dump() << '\n';
}

TraceEventBuilder::TraceEventBuilder(Trace* trace, std::string_view kind)
    : trace_(trace), hash_(HashString(kind)) {
  if (trace_->Recording()) {
    event_ = std::make_unique<TraceEvent>();
    event_->kind.assign(kind);
  }
}

TraceEventBuilder::~TraceEventBuilder() { trace_->Commit(hash_, std::move(event_)); }

void TraceEventBuilder::Fold(std::string_view key, uint64_t tag, uint64_t bits) {
  hash_ = Fold64(Fold64(Fold64(hash_, HashString(key)), tag), bits);
}

TraceEventBuilder& TraceEventBuilder::Kv(std::string_view key, int64_t v) {
  Fold(key, kInt, static_cast<uint64_t>(v));
  if (event_) event_->fields.emplace_back(key, v);
  return *this;
}

TraceEventBuilder& TraceEventBuilder::Kv(std::string_view key, uint64_t v) {
  Fold(key, kUint, v);
  if (event_) event_->fields.emplace_back(key, v);
  return *this;
}

TraceEventBuilder& TraceEventBuilder::Kv(std::string_view key, double v) {
  Fold(key, kDouble, std::bit_cast<uint64_t>(v));
  if (event_) event_->fields.emplace_back(key, v);
  return *this;
}

TraceEventBuilder& TraceEventBuilder::Kv(std::string_view key, bool v) {
  Fold(key, kBool, v ? 1 : 0);
  if (event_) event_->fields.emplace_back(key, v);
  return *this;
}

TraceEventBuilder& TraceEventBuilder::Kv(std::string_view key, std::string_view v) {
  Fold(key, kString, HashString(v));
  if (event_) event_->fields.emplace_back(key, std::string(v));
  return *this;
}

TraceEventBuilder& TraceEventBuilder::Kv(std::string_view key, Duration v) {
  Fold(key, kDuration, static_cast<uint64_t>(v.nanos()));
  if (event_) event_->fields.emplace_back(key, v);
  return *this;
}

void Trace::OnDraw(uint64_t stream_id, uint64_t value) {
  ++draws_;
  hash_ = Fold64(hash_ ^ stream_id, value);
}

void Trace::Capture(uint64_t first_step, uint64_t last_step, std::vector<TraceEvent>* out) {
  capture_ = out;
  capture_first_ = first_step;
  capture_last_ = last_step;
}

void Trace::Commit(uint64_t event_hash, std::unique_ptr<TraceEvent> event) {
  const Time now = clock_ != nullptr ? clock_->now() : Time::Zero();
  ++steps_;
  hash_ = Fold64(hash_, event_hash);
  hash_ = Fold64(hash_, static_cast<uint64_t>(now.nanos()));
  hash_ = Fold64(hash_, HashString(actor_));
  if (step_hashes_ != nullptr) step_hashes_->push_back(hash_);
  if (event == nullptr) return;
  event->step = steps_;
  event->time = now;
  event->actor = actor_;
  event->hash_after = hash_;
  if (sink_ != nullptr) sink_->Write(*event);
  if (capture_ != nullptr && steps_ >= capture_first_ && steps_ <= capture_last_) {
    capture_->push_back(std::move(*event));
  }
}

}  // namespace mqsim::sim
