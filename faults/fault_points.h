// FaultPoints: arms the engines' libfiu points of failure for one simulated run.
//
// Each pattern names a point ("natsmq/index/write") or a prefix ending in '*'
// ("rocksmq/*"). Every known point a pattern matches is enabled with
// fiu_enable_external; libfiu then asks this controller at each evaluation, and the
// controller draws from the run's Random stream whether the point fails now, with the
// given probability. Evaluations and failures are counted per point (coverage) and every
// failure is a trace event, so a failing run replays exactly from its seed.
//
// libfiu's state is process-wide: one FaultPoints may be alive at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sim/random.h"
#include "sim/trace.h"

namespace mqsim::faults {

// Every point of failure of both engines (from storage/*/fault_points.h).
const std::vector<std::string>& KnownFaultPoints();
// Every BUGGIFY site of both engines (from storage/*/fault_points.h).
const std::vector<std::string>& KnownBuggifySites();

struct FaultPointStats {
  uint64_t evaluations = 0;
  uint64_t failures = 0;
};

class FaultPoints {
 public:
  // Fails if a pattern matches no known point.
  FaultPoints(sim::Random rng, sim::Trace* trace, const std::vector<std::string>& patterns,
              double probability);
  ~FaultPoints();
  FaultPoints(const FaultPoints&) = delete;
  FaultPoints& operator=(const FaultPoints&) = delete;

  // While paused no point fails (evaluations are still counted): e.g. during a final check.
  void set_paused(bool paused) { paused_ = paused; }
  // Called at each failure, after it is counted and traced.
  void set_on_failure(std::function<void()> on_failure) { on_failure_ = std::move(on_failure); }
  const std::map<std::string, FaultPointStats>& stats() const { return stats_; }
  const std::vector<std::string>& enabled() const { return enabled_; }

  // The points a pattern selects.
  static std::vector<std::string> Match(const std::string& pattern);

 private:
  static int Decide(const char* name, int* failnum, void** failinfo, unsigned int* flags);

  sim::Random rng_;
  sim::Trace* trace_;
  double probability_;
  bool paused_ = false;
  std::function<void()> on_failure_;
  std::vector<std::string> enabled_;
  std::map<std::string, FaultPointStats> stats_;
};

}  // namespace mqsim::faults
