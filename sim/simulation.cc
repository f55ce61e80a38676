#include "sim/simulation.h"

#include "sim/stream_names.h"

namespace mqsim::sim {

Simulation::Simulation(uint64_t seed, Trace* trace)
    : seed_(seed),
      trace_(trace != nullptr ? trace : &own_trace_),
      root_(seed, trace_),
      scheduler_(&clock_, root_.Stream(streams::kScheduler), trace_) {
  trace_->set_clock(&clock_);
  trace_->Event("sim.start").Kv("seed", seed);
}

}  // namespace mqsim::sim
