#include "faults/fault_points.h"

#include <fiu-control.h>
#include <fiu.h>

#include "base/assert.h"
#include "base/name_list.h"
#include "storage/natsmq/fault_points.h"
#include "storage/rocksmq/fault_points.h"

namespace mqsim::faults {

namespace {
FaultPoints* g_active = nullptr;
}  // namespace

const std::vector<std::string>& KnownFaultPoints() {
  static const std::vector<std::string> all =
      base::JoinNames(rocksmq::points::kAll, natsmq::points::kAll);
  return all;
}

const std::vector<std::string>& KnownBuggifySites() {
  static const std::vector<std::string> all =
      base::JoinNames(rocksmq::points::kAllBuggify, natsmq::points::kAllBuggify);
  return all;
}

std::vector<std::string> FaultPoints::Match(const std::string& pattern) {
  std::vector<std::string> out;
  const bool prefix = !pattern.empty() && pattern.back() == '*';
  const std::string stem = prefix ? pattern.substr(0, pattern.size() - 1) : pattern;
  for (const std::string& p : KnownFaultPoints()) {
    if (prefix ? p.starts_with(stem) : p == stem) out.push_back(p);
  }
  return out;
}

FaultPoints::FaultPoints(sim::Random rng, sim::Trace* trace,
                         const std::vector<std::string>& patterns, double probability)
    : rng_(std::move(rng)), trace_(trace), probability_(probability) {
  MQSIM_ASSERT_MSG(g_active == nullptr, "one FaultPoints at a time (libfiu is process-wide)");
  g_active = this;
  fiu_init(0);
  for (const std::string& pattern : patterns) {
    const std::vector<std::string> points = Match(pattern);
    MQSIM_ASSERT_MSG(!points.empty(), ("no fault point matches " + pattern).c_str());
    for (const std::string& p : points) {
      if (stats_.emplace(p, FaultPointStats{}).second) enabled_.push_back(p);
    }
  }
  for (const std::string& p : enabled_) {
    MQSIM_ASSERT(fiu_enable_external(p.c_str(), 1, this, 0, &FaultPoints::Decide) == 0);
  }
}

FaultPoints::~FaultPoints() {
  for (const std::string& p : enabled_) fiu_disable(p.c_str());
  g_active = nullptr;
}

int FaultPoints::Decide(const char* name, int* /*failnum*/, void** failinfo,
                        unsigned int* /*flags*/) {
  auto* self = static_cast<FaultPoints*>(*failinfo);
  FaultPointStats& stats = self->stats_[name];
  ++stats.evaluations;
  if (self->paused_ || !self->rng_.Chance(self->probability_)) return 0;
  ++stats.failures;
  self->trace_->Event("fault.point").Kv("point", name);
  if (self->on_failure_) self->on_failure_();
  return 1;
}

}  // namespace mqsim::faults
