// Buggify: the seed-driven source behind MQSIM_BUGGIFY (base/buggify.h) for one run.
//
// The first time a site is reached it is switched on for the run with probability
// enable_probability (FoundationDB uses 1/4); a switched-on site then fires with
// fire_probability each time it is reached. Both draws come from the run's Random stream,
// and each site's switch and every firing are trace events. Installs itself for its
// lifetime; one at a time.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/buggify.h"
#include "sim/random.h"
#include "sim/trace.h"

namespace mqsim::faults {

class Buggify : public base::BuggifySource {
 public:
  Buggify(sim::Random rng, sim::Trace* trace, double enable_probability = 0.25,
          double fire_probability = 0.25);
  ~Buggify() override;
  Buggify(const Buggify&) = delete;
  Buggify& operator=(const Buggify&) = delete;

  bool Fire(const char* site) override;
  void set_paused(bool paused) { paused_ = paused; }

  struct Site {
    bool enabled = false;
    uint64_t reached = 0;
    uint64_t fired = 0;
  };
  const std::map<std::string, Site>& sites() const { return sites_; }

 private:
  sim::Random rng_;
  sim::Trace* trace_;
  double enable_probability_;
  double fire_probability_;
  bool paused_ = false;
  std::map<std::string, Site> sites_;
};

}  // namespace mqsim::faults
