#include "sim/chrome_trace.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

namespace mqsim::sim {

namespace {

double Micros(Time t) { return static_cast<double>(t.since_start().nanos()) / 1000.0; }

template <typename T>
std::optional<T> Field(const TraceEvent& e, const std::string& key) {
  for (const auto& [k, v] : e.fields) {
    if (k != key) continue;
    if (const T* x = std::get_if<T>(&v)) return *x;
  }
  return std::nullopt;
}

std::optional<uint64_t> Number(const TraceEvent& e, const std::string& key) {
  if (auto u = Field<uint64_t>(e, key)) return *u;
  if (auto i = Field<int64_t>(e, key)) return static_cast<uint64_t>(*i);
  return std::nullopt;
}

// An event's fields as JSON arguments (durations as text, digests as hex).
nlohmann::json Args(const TraceEvent& e) {
  nlohmann::json args = nlohmann::json::object();
  for (const auto& [key, value] : e.fields) {
    args[key] = TraceValueJson<nlohmann::json>(key, value, /*duration_as_text=*/true);
  }
  return args;
}

bool Global(const std::string& kind) {
  return kind == "fault.crash" || kind == "fault.power_loss" || kind == "fault.crash_at_op" ||
         kind == "fs.power_loss" || kind == "fault.restart" || kind == "store.open";
}

}  // namespace

ChromeTraceWriter::ChromeTraceWriter(std::ostream& out) : out_(out) {
  out_ << "[\n";
  for (const auto& [pid, name] : {std::pair{kSimPid, "simulation"}, {kHistoryPid, "history"}}) {
    Emit(nlohmann::json{
        {"ph", "M"}, {"name", "process_name"}, {"pid", pid}, {"args", {{"name", name}}}}
             .dump());
  }
}

void ChromeTraceWriter::SetRunInfo(uint64_t seed, uint64_t hash, const std::string& result) {
  char hex[20];
  std::snprintf(hex, sizeof hex, "%016" PRIx64, hash);
  const std::string labels = "seed " + std::to_string(seed) + ", hash " + hex + ", " + result;
  for (int pid : {kSimPid, kHistoryPid}) {
    Emit(nlohmann::json{
        {"ph", "M"}, {"name", "process_labels"}, {"pid", pid}, {"args", {{"labels", labels}}}}
             .dump());
  }
}

ChromeTraceWriter::~ChromeTraceWriter() { out_ << "\n]\n"; }

void ChromeTraceWriter::Emit(const std::string& json) {
  if (!first_) out_ << ",\n";
  first_ = false;
  out_ << json;
}

int ChromeTraceWriter::Track(const std::string& name, int pid) {
  auto [it, fresh] = tracks_.try_emplace({pid, name}, static_cast<int>(tracks_.size()) + 1);
  if (fresh) {
    Emit(nlohmann::json{{"ph", "M"},
                        {"name", "thread_name"},
                        {"pid", pid},
                        {"tid", it->second},
                        {"args", {{"name", name}}}}
             .dump());
  }
  return it->second;
}

void ChromeTraceWriter::Write(const TraceEvent& e) {
  const std::string& kind = e.kind;
  if (kind.starts_with("sched.") && kind != "sched.pause") return;  // bookkeeping
  if (kind == "sched.pause") {
    const std::optional<Duration> until = Field<Duration>(e, "until");  // since the start
    const double end = until ? static_cast<double>(until->nanos()) / 1000.0 : Micros(e.time);
    Emit(nlohmann::json{
        {"ph", "X"},
        {"name", "GC pause (process " + std::to_string(Number(e, "process").value_or(0)) + ")"},
        {"cat", "fault"},
        {"pid", 1},
        {"tid", Track("faults")},
        {"ts", Micros(e.time)},
        {"dur", std::max(0.0, end - Micros(e.time))}}
             .dump());
    return;
  }
  if (kind.starts_with("mq.")) return WriteHistory(e);
  if (kind == "verdict") return WriteVerdict(e);
  const nlohmann::json args = Args(e);
  nlohmann::json j{{"ph", "i"},
                   {"name", kind},
                   {"cat", kind.substr(0, kind.find('.'))},
                   {"pid", 1},
                   {"tid", Track(e.actor.empty() ? "sim" : e.actor)},
                   {"ts", Micros(e.time)},
                   {"args", args}};
  j["s"] = Global(kind) ? "g" : "t";
  Emit(j.dump());
  // The durability frontier: unsynced bytes per file.
  if (kind == "fs.write" || kind == "fs.sync" || kind == "fs.truncate") {
    const std::optional<std::string> path = Field<std::string>(e, "path");
    if (!path) return;
    FileState& f = files_[*path];
    if (kind == "fs.write") {
      const auto off = Number(e, "off");
      const auto len = Number(e, "len");
      if (!off || !len || Field<std::string>(e, "err")) return;
      f.written = std::max(f.written, *off + *len);
    } else if (kind == "fs.sync") {
      if (auto synced = Number(e, "synced")) f.synced = *synced;
    } else if (auto size = Number(e, "size")) {
      f.written = *size;
      f.synced = std::min(f.synced, *size);
    }
    const std::string file = path->substr(path->rfind('/') + 1);
    Emit(nlohmann::json{{"ph", "C"},
                        {"name", "unsynced bytes: " + file},
                        {"pid", 1},
                        {"ts", Micros(e.time)},
                        {"args", {{"unsynced", f.written > f.synced ? f.written - f.synced : 0}}}}
             .dump());
  } else if (kind == "fs.power_loss" || kind == "fs.crash_process") {
    if (kind == "fs.power_loss") {
      for (auto& [path, f] : files_) f.written = f.synced;  // what was not durable is gone
    }
  }
}

// A history event, on its group's or topic's track of the history process.
void ChromeTraceWriter::WriteHistory(const TraceEvent& e) {
  const std::optional<std::string> group = Field<std::string>(e, "group");
  const std::optional<std::string> topic = Field<std::string>(e, "topic");
  const std::string track = group   ? "group " + *group
                            : topic ? "topic " + *topic
                                    : std::string("node");
  const int tid = Track(track, kHistoryPid);
  if (const std::optional<uint64_t> index = Number(e, "event")) {
    history_events_[*index] = Where{Micros(e.time), tid};
  }
  Emit(nlohmann::json{{"ph", "i"},
                      {"name", e.kind.substr(3)},
                      {"cat", "mq"},
                      {"pid", kHistoryPid},
                      {"tid", tid},
                      {"ts", Micros(e.time)},
                      {"s", "t"},
                      {"args", Args(e)}}
           .dump());
}

// The verdict as a global marker; a failure also marks each history event it cites.
void ChromeTraceWriter::WriteVerdict(const TraceEvent& e) {
  const std::string result = Field<std::string>(e, "result").value_or("?");
  const std::string property = Field<std::string>(e, "property").value_or("");
  const std::string name = "verdict: " + result + (property.empty() ? "" : " " + property);
  Emit(nlohmann::json{{"ph", "i"},
                      {"name", name},
                      {"cat", "verdict"},
                      {"pid", kHistoryPid},
                      {"tid", Track("verdict", kHistoryPid)},
                      {"ts", Micros(e.time)},
                      {"s", "g"},
                      {"args", Args(e)}}
           .dump());
  std::istringstream cited(Field<std::string>(e, "events").value_or(""));
  for (std::string item; std::getline(cited, item, ',');) {
    auto at = history_events_.find(std::strtoull(item.c_str(), nullptr, 10));
    if (at == history_events_.end()) continue;
    Emit(nlohmann::json{{"ph", "i"},
                        {"name", "FAILED " + property},
                        {"cat", "verdict"},
                        {"pid", kHistoryPid},
                        {"tid", at->second.tid},
                        {"ts", at->second.ts},
                        {"s", "p"},
                        {"args", {{"event", at->first}}}}
             .dump());
  }
}

}  // namespace mqsim::sim
