// HtmlReport: one run as a single self-contained HTML page a person can read (no network
// access: inline SVG and CSS, no scripts needed).
//
//   header     scenario, store, seed, result, hash, steps, simulated time, version, fault
//              plan, and the REPRO line of a failure;
//   timeline   produce and consume rates, the backlog of each group, retention passes, the
//              bytes the store's disk holds and how many of them are unsynced, and the
//              faults as bands: down time from each crash to its recovery (power losses
//              marked), GC pauses and disk-full windows; the failure as a marker linked to
//              its evidence;
//   evidence   the failed property, its detail, and the history around the failure, each
//              line anchored (#event-N) as the trace's mq.* events number them.
//
// Element ids a test (or a person) can rely on: timeline, rates, backlog, disk, fault-bands,
// failure-marker (only on a failure), evidence, history-excerpt, repro.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "properties/history.h"
#include "scenarios/runner.h"
#include "scenarios/scenario.h"
#include "sim/trace.h"

namespace mqsim::scenarios {

// A fault from the trace: a band [start, end] or, when end == start, a moment.
struct FaultMark {
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  std::string kind;  // "gc pause", "disk full"
};

// Collects the faults the history does not hold (GC pauses, disk-full windows) from a run's
// trace events, for the report's bands.
class FaultMarks : public sim::TraceSink {
 public:
  void Write(const sim::TraceEvent& e) override;
  // REQUIRES: the run is over (an open disk-full window is closed at end_ns).
  std::vector<FaultMark> Finish(int64_t end_ns);

 private:
  std::vector<FaultMark> marks_;
  int64_t disk_full_since_ = -1;
};

struct ReportInput {
  const Scenario& scenario;
  uint64_t seed = 0;
  const RunResult& result;
  const properties::History& history;
  const std::vector<DiskSample>& disk;
  std::vector<FaultMark> faults;
  std::string repro;  // the REPRO command of a failure
};

std::string HtmlReport(const ReportInput& in);

// A sweep's summary page: the outcome of every seed (result, property, simulated time,
// wall time, steps, hash, crashes and the faults injected), failures first-class: each failing seed
// links to its own report when `reports` names one (seed -> file name, relative).
struct SweepRow {
  uint64_t seed = 0;
  RunResult result;
};
std::string SweepSummaryHtml(const Scenario& scenario, const std::vector<SweepRow>& rows,
                             const std::map<uint64_t, std::string>& reports);

}  // namespace mqsim::scenarios
