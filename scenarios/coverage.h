// Coverage: what a run exercised, counted by name, so that a sweep can say what its seeds
// reached and what none did.
//
//   "call produce ok", "call consume error RESOURCE_EXHAUSTED"   each store call and answer
//   "fault crash", "fault power_loss", ...                        what the fault injector did
//   "point rocksmq/retention/delete failed"                        each libfiu point (evaluated,
//                                                                  failed) a plan enabled
//   "buggify natsmq/buggify/sync-now fired"                        each BUGGIFY site (reached,
//                                                                  fired)
//   "retention pass"                                               retention and expiry passes
//   "probe natsmq/limit/max-msgs hit"                              each engine probe reached
//                                                                  (base/probe.h)
//
// The goals are the names a complete sweep should reach: every call kind answered ok, every
// fault kind, and every known fault point failing, BUGGIFY site firing and probe hit (each
// limit binding, each retention rule deleting, each recovery path) of the engines it ran on.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/probe.h"
#include "faults/fault_injector.h"
#include "properties/history.h"

namespace mqsim::scenarios {

using Coverage = std::map<std::string, uint64_t>;

// Adds the calls and answers of a run's history, and its retention passes.
void CountHistory(const properties::History& h, Coverage* c);
// Adds what the fault injector did (its counts by kind).
void CountFaults(const faults::FaultCounts& f, Coverage* c);

// Counts the engines' probes while it lives (one at a time per process: it installs itself as
// the process's base::ProbeSink).
class ProbeCounter : public base::ProbeSink {
 public:
  ProbeCounter();
  ~ProbeCounter() override;
  ProbeCounter(const ProbeCounter&) = delete;
  ProbeCounter& operator=(const ProbeCounter&) = delete;
  void Hit(const char* probe) override;
  // Adds "probe <name> hit" per probe reached.
  void AddTo(Coverage* c) const;

 private:
  std::map<std::string, uint64_t, std::less<>> hits_;  // found by string_view: no allocation
};

// Every probe of both engines (storage/*/probes.h), rocksmq's first.
const std::vector<std::string>& KnownProbes();

// Every name a complete sweep should reach.
const std::vector<std::string>& CoverageGoals();

// Coverage over many runs: per name, how many runs reached it and the total count.
class CoverageTally {
 public:
  // A run on `store` (its RunResult::store): the goals of that engine's points and sites
  // count from now on.
  void Add(const Coverage& run, const std::string& store);
  // The table (name, runs, total), then the goals no run reached.
  std::string ToString() const;
  std::vector<std::string> Unreached() const;
  // Per name, the total count over the runs.
  std::map<std::string, uint64_t> Totals() const;
  uint64_t runs() const { return runs_; }

 private:
  struct Row {
    uint64_t runs = 0;
    uint64_t total = 0;
  };
  std::map<std::string, Row> rows_;
  std::set<std::string> stores_;
  uint64_t runs_ = 0;
};

}  // namespace mqsim::scenarios
