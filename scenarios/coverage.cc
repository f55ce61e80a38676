#include "scenarios/coverage.h"

#include <absl/status/status.h>

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "base/assert.h"
#include "base/name_list.h"
#include "faults/fault_points.h"
#include "storage/natsmq/probes.h"
#include "storage/rocksmq/probes.h"

namespace mqsim::scenarios {

using properties::EventKind;

namespace {

// The store calls a history records (the rest are the harness's own events).
constexpr EventKind kCalls[] = {
    EventKind::kCreateTopic, EventKind::kDestroyTopic,  EventKind::kProduce,
    EventKind::kCreateGroup, EventKind::kDestroyGroup,  EventKind::kConsume,
    EventKind::kSeek,        EventKind::kSeekToLatest,  EventKind::kLatest,
    EventKind::kReadAll,     EventKind::kSubscribe,     EventKind::kReceive,
    EventKind::kPurge,       EventKind::kDeleteMessage,
};

bool IsCall(EventKind k) {
  return std::find(std::begin(kCalls), std::end(kCalls), k) != std::end(kCalls);
}

// A ProduceMany call is recorded as one produce event per message (history.h): counted
// once, as "call produce many".
constexpr std::string_view kProduceMany = "call produce many";

}  // namespace

void CountHistory(const properties::History& h, Coverage* c) {
  uint32_t rest_of_call = 0;  // events still to come of the ProduceMany call counted last
  for (const properties::HistoryEvent& e : h.events()) {
    if (e.kind == EventKind::kRetention) ++(*c)["retention pass " + e.payload];
    if (!IsCall(e.kind)) continue;
    std::string call = "call " + std::string(properties::ToString(e.kind));
    if (e.kind == EventKind::kProduce && e.batch > 0) {
      if (rest_of_call > 0) {
        --rest_of_call;
        continue;
      }
      rest_of_call = e.batch - 1;
      call = kProduceMany;
    }
    if (e.ok) {
      ++(*c)[call + " ok"];
    } else {
      ++(*c)[call + " error " + absl::StatusCodeToString(static_cast<absl::StatusCode>(e.code))];
    }
  }
}

ProbeCounter::ProbeCounter() {
  MQSIM_ASSERT_MSG(base::GetProbeSink() == nullptr, "one ProbeCounter at a time");
  base::SetProbeSink(this);
}

ProbeCounter::~ProbeCounter() { base::SetProbeSink(nullptr); }

// Called for every eviction, expiry and refusal: a hit on a known name allocates nothing.
void ProbeCounter::Hit(const char* probe) {
  const std::string_view name(probe);
  auto it = hits_.find(name);
  if (it == hits_.end()) it = hits_.emplace(std::string(name), 0).first;
  ++it->second;
}

void ProbeCounter::AddTo(Coverage* c) const {
  for (const auto& [name, n] : hits_) (*c)["probe " + name + " hit"] += n;
}

const std::vector<std::string>& KnownProbes() {
  static const std::vector<std::string> all =
      base::JoinNames(rocksmq::probes::kAll, natsmq::probes::kAll);
  return all;
}

void CountFaults(const faults::FaultCounts& f, Coverage* c) {
  for (const auto& [name, field] : faults::FaultCountFields()) {
    if (f.*field > 0) (*c)["fault " + std::string(name)] += f.*field;
  }
}

const std::vector<std::string>& CoverageGoals() {
  static const std::vector<std::string> goals = [] {
    std::vector<std::string> out;
    for (EventKind k : kCalls)
      out.push_back("call " + std::string(properties::ToString(k)) + " ok");
    out.push_back(std::string(kProduceMany) + " ok");
    for (const auto& [name, field] : faults::FaultCountFields()) {
      out.push_back("fault " + std::string(name));
    }
    for (const std::string& p : faults::KnownFaultPoints()) out.push_back("point " + p + " failed");
    for (const std::string& s : faults::KnownBuggifySites())
      out.push_back("buggify " + s + " fired");
    for (const std::string& p : KnownProbes()) out.push_back("probe " + p + " hit");
    return out;
  }();
  return goals;
}

void CoverageTally::Add(const Coverage& run, const std::string& store) {
  ++runs_;
  stores_.insert(store);
  for (const auto& [name, n] : run) {
    Row& r = rows_[name];
    ++r.runs;
    r.total += n;
  }
}

std::map<std::string, uint64_t> CoverageTally::Totals() const {
  std::map<std::string, uint64_t> out;
  for (const auto& [name, r] : rows_) out[name] = r.total;
  return out;
}

std::vector<std::string> CoverageTally::Unreached() const {
  std::vector<std::string> out;
  for (const std::string& g : CoverageGoals()) {
    const size_t space = g.find(' ');
    const size_t slash = g.find('/');
    if (slash != std::string::npos && stores_.count(g.substr(space + 1, slash - space - 1)) == 0) {
      continue;  // a point or site of an engine no run used
    }
    auto it = rows_.find(g);
    if (it == rows_.end() || it->second.total == 0) out.push_back(g);
  }
  return out;
}

std::string CoverageTally::ToString() const {
  std::string out = "coverage over " + std::to_string(runs_) + " runs (runs reaching, total):\n";
  char line[512];
  for (const auto& [name, r] : rows_) {
    std::snprintf(line, sizeof line, "  %-64s %8llu %12llu\n", name.c_str(),
                  static_cast<unsigned long long>(r.runs),
                  static_cast<unsigned long long>(r.total));
    out += line;
  }
  const std::vector<std::string> missed = Unreached();
  out += "not reached by any run (" + std::to_string(missed.size()) + "):\n";
  for (const std::string& m : missed) out += "  " + m + "\n";
  return out;
}

}  // namespace mqsim::scenarios
