#include "scenarios/workload_mix.h"

#include <cstdio>

#include "base/assert.h"

namespace mqsim::scenarios {

namespace {

// Off with probability `off`, else uniform in [lo, hi].
double Maybe(sim::Random& rng, double off, double lo, double hi) {
  if (rng.Chance(off)) return 0;
  return lo + (hi - lo) * rng.Unit();
}

}  // namespace

WorkloadSpec DrawWorkloadMix(sim::Random& rng, const WorkloadSpec& base) {
  MQSIM_ASSERT(!base.milvus.enabled);
  WorkloadSpec w = base;
  ConsumerSpec& c = w.consumers;
  c.groups = static_cast<int>(rng.Uniform(1, 3));
  c.push_groups = c.groups > 1 && rng.Chance(0.3) ? 1 : 0;
  c.seek_probability = Maybe(rng, 0.4, 0.01, 0.3);
  c.seek_beyond_latest = c.seek_probability > 0 ? Maybe(rng, 0.5, 0.1, 0.5) : 0;
  c.group_churn = Maybe(rng, 0.5, 0.001, 0.02);
  const bool stalls = rng.Chance(0.3);
  c.stall_every = stalls ? sim::Duration::Seconds(rng.Uniform(120, 300)) : sim::Duration::Zero();
  c.stall_for = stalls ? sim::Duration::Seconds(rng.Uniform(30, 120)) : sim::Duration::Zero();
  w.topic_churn = Maybe(rng, 0.7, 0.0005, 0.005);
  w.purge = Maybe(rng, 0.7, 0.0005, 0.005);
  w.delete_message = Maybe(rng, 0.6, 0.005, 0.05);
  w.producers.aligned = Maybe(rng, 0.5, 0.5, 1);
  w.producers.one_call = Maybe(rng, 0.5, 0.3, 1);
  return w;
}

std::string WorkloadMixString(const WorkloadSpec& w) {
  const ConsumerSpec& c = w.consumers;
  char out[256];
  std::snprintf(out, sizeof out,
                "groups %d (%d push), seek %.3f (beyond %.2f), group churn %.4f, stall %s, "
                "topic churn %.4f, purge %.4f, delete %.3f, aligned %.2f, one call %.2f",
                c.groups, c.push_groups, c.seek_probability, c.seek_beyond_latest, c.group_churn,
                c.stall_every > sim::Duration::Zero()
                    ? (c.stall_for.ToString() + " every " + c.stall_every.ToString()).c_str()
                    : "off",
                w.topic_churn, w.purge, w.delete_message, w.producers.aligned,
                w.producers.one_call);
  return out;
}

}  // namespace mqsim::scenarios
