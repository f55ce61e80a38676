// MQSIM_BUGGIFY(site): FoundationDB's BUGGIFY. False unless a run installed a
// BuggifySource (faults/buggify.h, driven by the run's seed): then a site is switched on
// for the whole run with some probability the first time it is reached, and a switched-on
// site fires with some probability each time. Sites perturb timing and knobs only within
// what the engine must tolerate anyway (an early block rollover, an extra flush, a smaller
// reservation, a retention pass that does less), so the bugs they shake out are real.
//
// Production and native runs have no source installed, and every site is false.
#pragma once

namespace mqsim::base {

class BuggifySource {
 public:
  virtual ~BuggifySource() = default;
  virtual bool Fire(const char* site) = 0;
};

// The source for this process (nullptr: BUGGIFY is off). Set by one simulated run at a
// time, from the simulation's thread.
void SetBuggifySource(BuggifySource* source);
BuggifySource* GetBuggifySource();

}  // namespace mqsim::base

#define MQSIM_BUGGIFY(site) \
  (::mqsim::base::GetBuggifySource() != nullptr && ::mqsim::base::GetBuggifySource()->Fire(site))
