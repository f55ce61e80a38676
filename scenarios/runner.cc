#include "scenarios/runner.h"

#include "base/panic.h"
#include "scenarios/harness.h"
#include "scenarios/workload.h"
#include "sim/run_context.h"

namespace mqsim::scenarios {

RunResult RunScenario(const Scenario& scenario, const RunOptions& options,
                      properties::History* history_out) {
  absl::StatusOr<backends::MqType> type = scenario.StoreType();
  if (!type.ok()) {
    RunResult r;
    r.pass = false;
    r.property = std::string(properties::Name(properties::Property::kConfig));
    r.detail = std::string(type.status().message());
    return r;
  }
  // The fingerprint covers the whole run, teardown included, so it equals what
  // check-determinism reports for the same seed.
  sim::Trace own;
  sim::Trace* trace = options.trace != nullptr ? options.trace : &own;
  RunResult r;
  {
    const sim::RunContext context(options.seed, options.bugs);
    Harness harness(scenario, options.seed, trace, *type);
    std::unique_ptr<Workload> workload = MakeWorkload(WorkloadName(scenario), harness);
    const base::ScopedPanicHandler panics(
        [&harness](const std::string& message) { harness.RecordPanic(message); });
    r = harness.Run(*workload);
    if (history_out != nullptr) {
      *history_out = harness.history();
      history_out->set_trace(nullptr);  // the run's trace does not outlive the run
    }
  }
  r.steps = trace->steps();
  r.hash = trace->hash();
  return r;
}

}  // namespace mqsim::scenarios
