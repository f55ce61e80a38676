#include "sim/chrome_trace.h"

#include <nlohmann/json.hpp>

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

bool Global(const std::string& kind) {
  return kind == "fault.crash" || kind == "fault.power_loss" || kind == "fault.crash_at_op" ||
         kind == "fs.power_loss" || kind == "fault.restart" || kind == "store.open";
}

}  // namespace

ChromeTraceWriter::ChromeTraceWriter(std::ostream& out) : out_(out) { out_ << "[\n"; }

ChromeTraceWriter::~ChromeTraceWriter() { out_ << "\n]\n"; }

void ChromeTraceWriter::Emit(const std::string& json) {
  if (!first_) out_ << ",\n";
  first_ = false;
  out_ << json;
}

int ChromeTraceWriter::Track(const std::string& name) {
  auto [it, fresh] = tracks_.try_emplace(name, static_cast<int>(tracks_.size()) + 1);
  if (fresh) {
    Emit(nlohmann::json{{"ph", "M"},
                        {"name", "thread_name"},
                        {"pid", 1},
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
  nlohmann::json args = nlohmann::json::object();
  for (const auto& field : e.fields) {  // (clang 14 cannot capture structured bindings)
    const std::string& k = field.first;
    const TraceValue& v = field.second;
    std::visit(
        [&](const auto& x) {
          using V = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<V, Duration>) {
            args[k] = x.ToString();
          } else {
            args[k] = x;
          }
        },
        v);
  }
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

}  // namespace mqsim::sim
