// MQSIM_PROBE(name): marks that an engine took a path a sweep should know it reached: a
// limit that bound, a retention rule that deleted, a recovery path that ran (FoundationDB's
// CODE_PROBE). A probe changes nothing in the engine; it only tells the run's ProbeSink,
// which counts it (scenarios/coverage.h turns the counts into "probe <name> hit" lines and
// goals).
//
// Probe names are "<engine>/<area>/<what>" string literals, listed per engine in
// storage/<engine>/probes.h. Production and native runs install no sink: a probe is one
// null check.
#pragma once

namespace mqsim::base {

class ProbeSink {
 public:
  virtual ~ProbeSink() = default;
  virtual void Hit(const char* probe) = 0;
};

// The sink for this process (nullptr: probes are not counted). Set by one simulated run at
// a time, from the simulation's thread.
void SetProbeSink(ProbeSink* sink);
ProbeSink* GetProbeSink();

}  // namespace mqsim::base

#define MQSIM_PROBE(probe)                                                       \
  do {                                                                           \
    if (::mqsim::base::ProbeSink* probe_sink_ = ::mqsim::base::GetProbeSink()) { \
      probe_sink_->Hit(probe);                                                   \
    }                                                                            \
  } while (false)
