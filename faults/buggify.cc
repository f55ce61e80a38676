#include "faults/buggify.h"

#include "base/assert.h"

namespace mqsim::faults {

Buggify::Buggify(sim::Random rng, sim::Trace* trace, double enable_probability,
                 double fire_probability)
    : rng_(std::move(rng)),
      trace_(trace),
      enable_probability_(enable_probability),
      fire_probability_(fire_probability) {
  MQSIM_ASSERT_MSG(base::GetBuggifySource() == nullptr, "one Buggify at a time");
  base::SetBuggifySource(this);
}

Buggify::~Buggify() { base::SetBuggifySource(nullptr); }

bool Buggify::Fire(const char* site) {
  auto [it, first] = sites_.try_emplace(site);
  Site& s = it->second;
  if (first) {
    s.enabled = rng_.Chance(enable_probability_);
    trace_->Event("buggify.site").Kv("site", site).Kv("enabled", s.enabled ? 1 : 0);
  }
  ++s.reached;
  if (paused_ || !s.enabled || !rng_.Chance(fire_probability_)) return false;
  ++s.fired;
  trace_->Event("buggify.fire").Kv("site", site);
  return true;
}

}  // namespace mqsim::faults
