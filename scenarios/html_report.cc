#include "scenarios/html_report.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <map>
#include <set>

#include "scenarios/report.h"

namespace mqsim::scenarios {

namespace {

using properties::EventKind;
using properties::HistoryEvent;

constexpr int kBuckets = 120;
constexpr double kWidth = 960, kLeft = 60;
constexpr double kRatesTop = 20, kRatesHeight = 150;
constexpr double kBacklogTop = 200, kBacklogHeight = 120;
constexpr double kDiskTop = 350, kDiskHeight = 100;
constexpr double kBandsTop = 480, kBandsHeight = 40;
constexpr double kSvgHeight = 550;
const char* const kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"};

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// What the timeline plots, per bucket of the run.
struct Series {
  int64_t end_ns = 1;
  std::vector<double> produced = std::vector<double>(kBuckets, 0);
  std::vector<double> consumed = std::vector<double>(kBuckets, 0);
  std::vector<int> retention = std::vector<int>(kBuckets, 0);
  std::map<std::string, std::vector<double>> backlog;  // group -> messages owed at bucket end
  std::vector<FaultMark> down;                         // crash .. recover
  std::vector<int64_t> power_losses;
};

int Bucket(const Series& s, int64_t t) {
  return static_cast<int>(std::clamp<int64_t>(t * kBuckets / s.end_ns, 0, kBuckets - 1));
}

double X(const Series& s, int64_t t) {
  return kLeft + (kWidth - kLeft) * static_cast<double>(std::clamp<int64_t>(t, 0, s.end_ns)) /
                     static_cast<double>(s.end_ns);
}

// Per topic: the acknowledged ids in order, and where each group has read to.
struct Owed {
  std::map<std::string, std::vector<backends::MessageId>> acked;
  std::map<std::string, std::map<std::string, backends::MessageId>> read;  // topic -> group

  void Apply(const HistoryEvent& e) {
    const bool reads = e.kind == EventKind::kConsume || e.kind == EventKind::kReceive;
    if (e.kind == EventKind::kProduce && e.ok) acked[e.topic].push_back(e.id);
    if (e.kind == EventKind::kCreateGroup && e.ok) read[e.topic].try_emplace(e.group, 0);
    if (reads && e.ok && !e.messages.empty()) read[e.topic][e.group] = e.messages.back().id;
    if ((e.kind == EventKind::kSeek || e.kind == EventKind::kSeekToLatest) && e.ok) {
      const std::vector<backends::MessageId>& ids = acked[e.topic];
      read[e.topic][e.group] =
          e.kind == EventKind::kSeek ? e.id - 1 : (ids.empty() ? 0 : ids.back());
    }
    if (e.kind == EventKind::kDestroyTopic && e.ok) {
      acked.erase(e.topic);
      read.erase(e.topic);
    }
  }
  // Messages acknowledged on any topic after the group's position there.
  std::map<std::string, double> Backlog() const {
    std::map<std::string, double> out;
    for (const auto& [topic, groups] : read) {
      auto ids = acked.find(topic);
      for (const auto& [group, at] : groups) {
        double& n = out[group];
        if (ids == acked.end()) continue;
        const auto after = std::upper_bound(ids->second.begin(), ids->second.end(), at);
        n += static_cast<double>(ids->second.end() - after);
      }
    }
    return out;
  }
};

// Samples each group's backlog (messages acknowledged beyond where it has read) at every
// bucket's end.
void SampleBacklog(Series& s, const properties::History& h) {
  Owed owed;
  size_t i = 0;
  const std::deque<HistoryEvent>& ev = h.events();
  for (int b = 0; b < kBuckets; ++b) {
    const int64_t until = s.end_ns * (b + 1) / kBuckets;
    for (; i < ev.size() && ev[i].time_ns <= until; ++i) owed.Apply(ev[i]);
    for (const auto& [g, n] : owed.Backlog()) {
      if (g.starts_with("mqsim-read-all")) continue;
      s.backlog.try_emplace(g, std::vector<double>(kBuckets, 0)).first->second[b] = n;
    }
  }
}

Series Measure(const properties::History& h, int64_t end_ns) {
  Series s;
  s.end_ns = std::max<int64_t>(end_ns, 1);
  int64_t crashed_at = -1;  // while the store is down
  for (const HistoryEvent& e : h.events()) {
    const int b = Bucket(s, e.time_ns);
    if (e.kind == EventKind::kProduce && e.ok) ++s.produced[b];
    const bool reads = e.kind == EventKind::kConsume || e.kind == EventKind::kReceive;
    if (reads && e.ok) s.consumed[b] += static_cast<double>(e.messages.size());
    if (e.kind == EventKind::kRetention) ++s.retention[b];
    if (e.kind == EventKind::kPowerLoss) s.power_losses.push_back(e.time_ns);
    if (e.kind == EventKind::kCrash && crashed_at < 0) crashed_at = e.time_ns;
    if (e.kind == EventKind::kRecover && crashed_at >= 0) {
      s.down.push_back(FaultMark{crashed_at, e.time_ns, "down"});
      crashed_at = -1;
    }
  }
  if (crashed_at >= 0) s.down.push_back(FaultMark{crashed_at, s.end_ns, "down"});
  SampleBacklog(s, h);
  return s;
}

std::string Polyline(const Series& s, const std::vector<double>& v, double top, double height,
                     double max, const char* color) {
  std::string pts;
  for (int b = 0; b < kBuckets; ++b) {
    const double x = X(s, s.end_ns * b / kBuckets + s.end_ns / (2 * kBuckets));
    const double y = top + height - height * (max > 0 ? v[b] / max : 0);
    pts += Num(x) + "," + Num(y) + " ";
  }
  return "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"" + std::string(color) +
         "\" points=\"" + pts + "\"/>\n";
}

// A time on an axis, to the precision a reader wants there: "2h05m", "4m31s", "12.5s".
std::string Tick(int64_t ns) {
  const int64_t s = ns / 1'000'000'000;
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%" PRId64 "h%02" PRId64 "m", s / 3600, s % 3600 / 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ns) / 1e9);
  }
  return buf;
}

std::string Axis(const Series& s, double top, double height, const std::string& label,
                 const std::string& max) {
  std::string out = "<line x1=\"" + Num(kLeft) + "\" y1=\"" + Num(top + height) + "\" x2=\"" +
                    Num(kWidth) + "\" y2=\"" + Num(top + height) + "\" stroke=\"#999\"/>\n";
  out += "<text x=\"4\" y=\"" + Num(top + 10) + "\" font-size=\"11\">" + EscapeMarkup(label) +
         "</text>\n<text x=\"4\" y=\"" + Num(top + 24) + "\" font-size=\"10\" fill=\"#666\">max " +
         max + "</text>\n";
  for (int i = 0; i <= 4; ++i) {
    const int64_t t = s.end_ns * i / 4;
    const char* anchor = i == 0 ? "start" : i == 4 ? "end" : "middle";
    out += "<text x=\"" + Num(X(s, t)) + "\" y=\"" + Num(top + height + 12) +
           "\" font-size=\"10\" fill=\"#666\" text-anchor=\"" + anchor + "\">" + Tick(t) +
           "</text>\n";
  }
  return out;
}

std::string Rates(const Series& s) {
  double max = 1;
  for (int b = 0; b < kBuckets; ++b) max = std::max({max, s.produced[b], s.consumed[b]});
  std::string out = "<g id=\"rates\">\n" +
                    Axis(s, kRatesTop, kRatesHeight, "messages per bucket", Num(max)) +
                    Polyline(s, s.produced, kRatesTop, kRatesHeight, max, "#1f77b4") +
                    Polyline(s, s.consumed, kRatesTop, kRatesHeight, max, "#ff7f0e");
  out += "<text x=\"" + Num(kWidth - 220) + "\" y=\"" + Num(kRatesTop + 10) +
         "\" font-size=\"11\"><tspan fill=\"#1f77b4\">produced (acked)</tspan> "
         "<tspan fill=\"#ff7f0e\">consumed</tspan></text>\n";
  for (int b = 0; b < kBuckets; ++b) {
    if (s.retention[b] == 0) continue;
    const double x = X(s, s.end_ns * b / kBuckets);
    out += "<line class=\"retention\" x1=\"" + Num(x) + "\" x2=\"" + Num(x) + "\" y1=\"" +
           Num(kRatesTop + kRatesHeight) + "\" y2=\"" + Num(kRatesTop + kRatesHeight - 6) +
           "\" stroke=\"#2ca02c\"><title>retention passes: " + std::to_string(s.retention[b]) +
           "</title></line>\n";
  }
  return out + "</g>\n";
}

std::string Backlog(const Series& s) {
  double max = 1;
  for (const auto& [g, v] : s.backlog) max = std::max(max, *std::max_element(v.begin(), v.end()));
  std::string out =
      "<g id=\"backlog\">\n" + Axis(s, kBacklogTop, kBacklogHeight, "backlog per group", Num(max));
  size_t i = 0;
  for (const auto& [g, v] : s.backlog) {
    const char* color = kColors[i % std::size(kColors)];
    out += Polyline(s, v, kBacklogTop, kBacklogHeight, max, color);
    out += "<text x=\"" + Num(kWidth - 220 + 60.0 * static_cast<double>(i)) + "\" y=\"" +
           Num(kBacklogTop + 10) + "\" font-size=\"11\" fill=\"" + color + "\">" + EscapeMarkup(g) +
           "</text>\n";
    ++i;
  }
  return out + "</g>\n";
}

// "12.3 MB": a byte count for an axis.
std::string Bytes(double v) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  size_t u = 0;
  while (v >= 1000 && u + 1 < std::size(units)) v /= 1000, ++u;
  return Num(v) + " " + units[u];
}

// The disk's samples as a line: each point at its own time (samples are not bucketed).
std::string DiskLine(const Series& s, const std::vector<DiskSample>& disk,
                     uint64_t DiskSample::*field, double max, const char* color) {
  std::string pts;
  for (const DiskSample& d : disk) {
    if (d.t_ns > s.end_ns) break;
    const double v = static_cast<double>(d.*field);
    pts += Num(X(s, d.t_ns)) + "," + Num(kDiskTop + kDiskHeight - kDiskHeight * v / max) + " ";
  }
  return "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"" + std::string(color) +
         "\" points=\"" + pts + "\"/>\n";
}

std::string Disk(const Series& s, const std::vector<DiskSample>& disk) {
  double max = 1;
  for (const DiskSample& d : disk) max = std::max(max, static_cast<double>(d.stored_bytes));
  std::string out =
      "<g id=\"disk\">\n" + Axis(s, kDiskTop, kDiskHeight, "store's disk", Bytes(max));
  out += DiskLine(s, disk, &DiskSample::stored_bytes, max, "#1f77b4") +
         DiskLine(s, disk, &DiskSample::unsynced_bytes, max, "#d62728");
  out += "<text x=\"" + Num(kWidth - 220) + "\" y=\"" + Num(kDiskTop + 10) +
         "\" font-size=\"11\"><tspan fill=\"#1f77b4\">stored bytes</tspan> "
         "<tspan fill=\"#d62728\">unsynced bytes</tspan></text>\n";
  return out + "</g>\n";
}

std::string Band(const Series& s, const FaultMark& m, const char* color, double row) {
  const double x1 = X(s, m.start_ns), x2 = std::max(X(s, m.end_ns), x1 + 1.5);
  return "<rect class=\"band\" x=\"" + Num(x1) + "\" y=\"" + Num(kBandsTop + row * 13) +
         "\" width=\"" + Num(x2 - x1) + "\" height=\"11\" fill=\"" + color + "\"><title>" +
         EscapeMarkup(m.kind) + " " + sim::Duration::Nanos(m.start_ns).ToString() + " .. " +
         sim::Duration::Nanos(m.end_ns).ToString() + "</title></rect>\n";
}

std::string Bands(const Series& s, const std::vector<FaultMark>& faults) {
  std::string out = "<g id=\"fault-bands\">\n<text x=\"4\" y=\"" + Num(kBandsTop + 9) +
                    "\" font-size=\"11\">down</text>\n<text x=\"4\" y=\"" + Num(kBandsTop + 22) +
                    "\" font-size=\"11\">gc / disk</text>\n";
  for (const FaultMark& m : s.down) out += Band(s, m, "#d62728", 0);
  for (int64_t t : s.power_losses) out += Band(s, FaultMark{t, t, "power loss"}, "#000", 0);
  for (const FaultMark& m : faults) {
    out += Band(s, m, m.kind == "disk full" ? "#8c564b" : "#bcbd22", 1);
  }
  return out + "</g>\n";
}

std::string Marker(const Series& s, const RunResult& r) {
  if (r.pass || !r.failed_at) return "";
  const double x = X(s, r.failed_at->nanos());
  return "<a href=\"#evidence\"><g id=\"failure-marker\"><line x1=\"" + Num(x) + "\" x2=\"" +
         Num(x) + "\" y1=\"" + Num(kRatesTop) + "\" y2=\"" + Num(kBandsTop + kBandsHeight) +
         "\" stroke=\"#d62728\" stroke-width=\"2\" stroke-dasharray=\"4 2\"/><text x=\"" +
         Num(x + 4) + "\" y=\"" + Num(kRatesTop + 24) + "\" font-size=\"12\" fill=\"#d62728\">" +
         EscapeMarkup(r.property) + " fails here</text></g></a>\n";
}

std::string Timeline(const ReportInput& in) {
  const Series s = Measure(in.history, in.result.sim_time.nanos());
  return "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(kWidth) +
         "\" height=\"" + Num(kSvgHeight) + "\" viewBox=\"0 0 " + Num(kWidth) + " " +
         Num(kSvgHeight) + "\">\n" + Rates(s) + Backlog(s) + Disk(s, in.disk) +
         Bands(s, in.faults) + Marker(s, in.result) + "</svg>\n";
}

// The history lines around the failure: the 30 events up to 1 s after it was observed.
std::string Excerpt(const ReportInput& in) {
  if (in.result.pass || !in.result.failed_at || in.history.events().empty()) return "";
  const int64_t until = in.result.failed_at->nanos() + 1'000'000'000;
  const std::deque<HistoryEvent>& ev = in.history.events();
  size_t last = 0;
  while (last < ev.size() && ev[last].time_ns <= until) ++last;
  std::string out = "<h2>History around the failure</h2>\n<pre id=\"history-excerpt\">";
  for (size_t i = last > 30 ? last - 30 : 0; i < last; ++i) {
    out += "<span id=\"event-" + std::to_string(i) + "\">" + EscapeMarkup(in.history.Describe(i)) +
           "</span>\n";
  }
  return out + "</pre>\n";
}

std::string Header(const ReportInput& in) {
  const RunResult& r = in.result;
  std::string out = "<h1>" + EscapeMarkup(in.scenario.name) + " on " + EscapeMarkup(r.store) +
                    ", seed " + std::to_string(in.seed) + ": <span class=\"" +
                    (r.pass ? "pass\">pass" : "fail\">fail " + EscapeMarkup(r.property)) +
                    "</span></h1>\n<table>\n";
  const std::pair<const char*, std::string> rows[] = {
      {"result", ResultLine(r, in.seed)},
      {"faults", r.plan},
      {"workload", std::to_string(r.acked) + " acknowledged, " + std::to_string(r.consumed) +
                       " consumed, " + std::to_string(r.crashes) + " crashes, " +
                       std::to_string(r.retention_passes) + " retention passes"},
      {"mqsim", std::string(Version())},
  };
  for (const auto& [k, v] : rows)
    out += "<tr><th>" + std::string(k) + "</th><td>" + EscapeMarkup(v) + "</td></tr>\n";
  return out + "</table>\n";
}

std::string Evidence(const ReportInput& in) {
  if (in.result.pass) return "<p id=\"evidence\">Every property held.</p>\n";
  return "<h2>Evidence</h2>\n<pre id=\"evidence\">" + EscapeMarkup(in.result.detail) +
         "</pre>\n<h2>Reproduce</h2>\n<pre id=\"repro\">" + EscapeMarkup(in.repro) + "</pre>\n";
}

}  // namespace

void FaultMarks::Write(const sim::TraceEvent& e) {
  const int64_t t = e.time.since_start().nanos();
  if (e.kind == "fault.gc_pause") {
    int64_t us = 0;
    for (const auto& [k, v] : e.fields) {
      if (k == "us" && std::holds_alternative<int64_t>(v)) us = std::get<int64_t>(v);
    }
    marks_.push_back(FaultMark{t, t + us * 1000, "gc pause"});
  } else if (e.kind == "fault.disk_full") {
    disk_full_since_ = t;
  } else if (e.kind == "fault.disk_space_back" && disk_full_since_ >= 0) {
    marks_.push_back(FaultMark{disk_full_since_, t, "disk full"});
    disk_full_since_ = -1;
  }
}

std::vector<FaultMark> FaultMarks::Finish(int64_t end_ns) {
  if (disk_full_since_ >= 0) marks_.push_back(FaultMark{disk_full_since_, end_ns, "disk full"});
  disk_full_since_ = -1;
  return marks_;
}

namespace {

std::string Injected(const faults::FaultCounts& c) {
  std::string out;
  auto add = [&](uint64_t n, const char* what) {
    if (n > 0) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  add(c.crashes, "crashes");
  add(c.power_losses, "power losses");
  add(c.crashes_in_calls + c.crashes_in_recovery, "crashes in calls");
  add(c.disk_full, "disk full");
  add(c.gc_pauses, "GC pauses");
  add(c.starvations, "starvations");
  add(c.fault_point_failures, "fault points");
  add(c.buggify_fired, "BUGGIFY");
  return out.empty() ? "-" : out;
}

std::string SweepRowHtml(const SweepRow& row, const std::map<uint64_t, std::string>& reports) {
  const RunResult& r = row.result;
  const auto link = reports.find(row.seed);
  const std::string seed = std::to_string(row.seed);
  return "<tr class=\"" + std::string(r.pass ? "pass" : "fail") + "\"><td>" +
         (link == reports.end()
              ? seed
              : "<a href=\"" + EscapeMarkup(link->second) + "\">" + seed + "</a>") +
         "</td><td>" + (r.pass ? "pass" : "fail " + EscapeMarkup(r.property)) + "</td><td>" +
         r.sim_time.ToString() + "</td><td>" + Num(r.wall_seconds) + " s</td><td>" +
         std::to_string(r.steps) + "</td><td>" + Hex(r.hash) + "</td><td>" + Injected(r.injected) +
         "</td></tr>\n";
}

}  // namespace

std::string SweepSummaryHtml(const Scenario& scenario, const std::vector<SweepRow>& rows,
                             const std::map<uint64_t, std::string>& reports) {
  size_t failed = 0;
  double wall = 0, slowest = 0;
  for (const SweepRow& row : rows) {
    failed += row.result.pass ? 0 : 1;
    wall += row.result.wall_seconds;
    slowest = std::max(slowest, row.result.wall_seconds);
  }
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mqsim "
      "sweep: " +
      EscapeMarkup(scenario.name) +
      "</title>\n<style>body{font-family:sans-serif;margin:1.5em}td,th{padding:2px "
      "10px;text-align:left}td{font-family:monospace}.fail{color:#d62728}</style>"
      "</head><body>\n<h1>" +
      EscapeMarkup(scenario.name) + ": " + std::to_string(rows.size() - failed) + " passed, " +
      std::to_string(failed) + " failed</h1>\n<p>mqsim " + std::string(Version()) +
      "; the runs took " + Num(wall) + " s of wall time together, the slowest " + Num(slowest) +
      " s</p>\n<table id=\"seeds\">\n<tr><th>seed</th><th>result</th><th>simulated "
      "time</th><th>wall time</th><th>steps</th><th>hash</th><th>faults injected</th></tr>\n";
  for (const SweepRow& row : rows) {
    if (!row.result.pass) out += SweepRowHtml(row, reports);  // failures first
  }
  for (const SweepRow& row : rows) {
    if (row.result.pass) out += SweepRowHtml(row, reports);
  }
  return out + "</table>\n</body></html>\n";
}

std::string HtmlReport(const ReportInput& in) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mqsim: " +
         EscapeMarkup(in.scenario.name) + " seed " + std::to_string(in.seed) +
         "</title>\n<style>body{font-family:sans-serif;margin:1.5em;max-width:1000px}"
         "th{text-align:left;padding-right:1em;vertical-align:top}td{font-family:monospace}"
         "pre{background:#f6f6f6;padding:.6em;overflow-x:auto}.pass{color:#2ca02c}"
         ".fail{color:#d62728}</style></head><body>\n" +
         Header(in) + "<h2>Timeline</h2>\n" + Timeline(in) + Evidence(in) + Excerpt(in) +
         "</body></html>\n";
}

}  // namespace mqsim::scenarios
