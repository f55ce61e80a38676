#include "scenarios/runner.h"

#include <algorithm>

#include "base/panic.h"
#include "scenarios/harness.h"
#include "scenarios/workload.h"
#include "sim/run_context.h"
#include "sim/sim_file_system.h"

namespace mqsim::scenarios {

namespace {

DiskSample SampleDisk(const sim::SimFileSystem& disk, int64_t t_ns) {
  DiskSample d{t_ns, 0, 0};
  for (const sim::FileDurability& f : disk.DurabilityFrontier()) {
    d.stored_bytes += f.size_bytes;
    d.unsynced_bytes += f.size_bytes - std::min(f.synced_bytes, f.size_bytes);
  }
  return d;
}

// Installs the watch's onlooker on the harness's scheduler (read only: see AddObserver).
sim::Scheduler::ObserverId Watch(Harness& harness, const RunWatch& watch) {
  const sim::Duration duration = harness.scenario().duration;
  const sim::Duration every =
      std::max(sim::Duration::Nanos(duration.nanos() / 480), sim::Duration::Millis(1));
  const sim::Time start = harness.sim().now();
  return harness.scheduler().AddObserver(
      [&harness, &watch, duration, start](sim::Time now) {
        const sim::Duration at = now - start;
        if (watch.disk != nullptr) {
          watch.disk->push_back(SampleDisk(harness.store().disk(), at.nanos()));
        }
        if (watch.progress) watch.progress(at, duration);
      },
      every);
}

}  // namespace

RunResult RunScenario(const Scenario& scenario, const RunOptions& options, const RunWatch* watch) {
  absl::StatusOr<backends::MqType> type = scenario.StoreTypeFor(options.seed);
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
    std::optional<sim::Scheduler::ObserverId> watching;
    if (watch != nullptr) watching = Watch(harness, *watch);
    r = harness.Run(*workload);
    if (watching) harness.scheduler().RemoveObserver(*watching);
    if (watch != nullptr && watch->history != nullptr) {
      *watch->history = harness.history();
      watch->history->set_trace(nullptr);  // the run's trace does not outlive the run
    }
  }
  r.steps = trace->steps();
  r.hash = trace->hash();
  return r;
}

}  // namespace mqsim::scenarios
