#include "scenarios/harness.h"

#include <algorithm>
#include <cstdint>

#include "base/assert.h"
#include "faults/fault_injector.h"
#include "scenarios/coverage.h"
#include "scenarios/power_loss_audit.h"
#include "scenarios/workload.h"
#include "scenarios/workload_mix.h"
#include "storage/job_names.h"
#include "storage/rocksmq/rocksmq_options.h"

namespace mqsim::scenarios {

using properties::EventKind;
using properties::HistoryEvent;
using properties::Violation;

Harness::Harness(const Scenario& scenario, uint64_t seed, sim::Trace* trace, backends::MqType type)
    : sc_(ForSeed(scenario, seed)), type_(type), sim_(seed, trace), plan_(scenario.PlanFor(seed)) {
  history_.set_trace(&sim_.trace());  // the store's answers are part of the run's hash
  store_ = MakeStore(type_, kStoreProcess, "/data");
  target_ = std::make_unique<faults::StoreTarget>(
      store_.get(), faults::StoreTarget::Callbacks{
                        [this](std::optional<sim::PowerLossMode> pl) { Crashed(pl); },
                        [this](bool closed) { Stopped(closed); }, [this] { Started(); }});
}

Harness::~Harness() = default;

Scenario Harness::ForSeed(const Scenario& scenario, uint64_t seed) {
  Scenario sc = scenario;
  sc.workload = scenario.WorkloadFor(seed);
  return sc;
}

void Harness::Crashed(std::optional<sim::PowerLossMode> power_loss) {
  ++crashes_;
  if (workload_ != nullptr) workload_->Crashed();  // e.g. push consumers die with the process
  history_.Add(HistoryEvent{.time_ns = Now(), .kind = EventKind::kCrash});
  if (power_loss) history_.Add(HistoryEvent{.time_ns = Now(), .kind = EventKind::kPowerLoss});
}

// The history records a clean stop as the end of the process (kCrash without a power loss):
// a clean stop must keep at least what a crash keeps, and the checkers judge it so.
void Harness::Stopped(bool closed) {
  if (workload_ != nullptr) workload_->Crashed();  // its tasks ended with the process
  if (closed) CleanlyClosed();
  history_.Add(HistoryEvent{.time_ns = Now(), .kind = EventKind::kCrash});
}

// natsmq syncs every block before its Close answers ok, as nats-server's file store does
// when it stops: what was acknowledged before is durable (a sync pass, for durability).
// RocksMQ promises nothing more (RocksDB closes its WAL without syncing it).
void Harness::CleanlyClosed() {
  if (store_->type() != backends::MqType::kNatsMq) return;  // the store now (after a switch)
  history_.Add(HistoryEvent{
      .time_ns = Now(), .kind = EventKind::kSync, .payload = properties::kCleanStopSync});
}

void Harness::Started() {
  if (workload_ != nullptr) workload_->Started();
}

std::unique_ptr<backends::SimStore> Harness::MakeStore(backends::MqType type,
                                                       sim::ProcessId process,
                                                       const std::string& dir) {
  backends::SimStoreOptions o;
  o.type = type;
  o.config = StoreConfig();
  o.dir = dir;
  o.process = process;
  auto store = std::make_unique<backends::SimStore>(&sim_, o);
  backends::SimStore* s = store.get();
  store->jobs().set_observer([this, s](const std::string& job, const absl::Status& status) {
    if (job == storage::jobs::kRocksMqRetention || job == storage::jobs::kNatsExpire) {
      history_.Add(HistoryEvent{.time_ns = Now(), .kind = EventKind::kRetention, .payload = job});
    }
    // natsmq's syncInterval: a completed pass makes every earlier acknowledgement durable.
    if (job == storage::jobs::kNatsSync && status.ok()) {
      history_.Add(HistoryEvent{.time_ns = Now(), .kind = EventKind::kSync, .payload = job});
    }
    if (job == storage::jobs::kRocksMqCompaction && status.ok() && s->up()) {
      absl::StatusOr<backends::SharedFiles> files = s->queue()->SharedFilesNow();
      if (files.ok()) {
        history_.Add(HistoryEvent{
            .time_ns = Now(),
            .kind = EventKind::kCompaction,
            .payload = job,
            .shared_files = std::make_shared<const backends::SharedFiles>(std::move(*files))});
      }
    }
  });
  return store;
}

backends::MilvusMqConfig Harness::StoreConfig(const backends::MilvusMqConfig& base) const {
  backends::MilvusMqConfig config = base;
  if (sc_.workload.producers.sync) {
    config.rocksmq.produce_sync = true;
    config.natsmq.sync_always = true;
  }
  return config;
}

// A full disk or a failing write point can leave the store refusing calls for as long as
// the disk stays full plus rocksmq's longest reopen backoff: delivery and retention wait too.
// Full-disk windows may follow each other more closely than rocksmq's longest reopen
// backoff: the store then refuses through both and the gap between. Such windows make one
// chain; the longest chain of the run (known once the injector has stopped) is how long
// the disk kept the store refusing, where the plan alone promises one window.
sim::Duration Harness::LongestFullDiskChain() const {
  const int64_t gap_ns = sim::Duration::Millis(rocksmq::kMaxReopenBackoffMs + 1000).nanos();
  int64_t longest = 0;
  int64_t begin = 0;
  int64_t end = INT64_MIN;
  for (const auto& [b, e] : refusal_causes_) {  // in the order they began
    if (b == e) continue;                       // a failing fault point: no window
    if (end == INT64_MIN || b > end + gap_ns) begin = b;
    end = std::max(end, e);
    longest = std::max(longest, end == INT64_MAX ? 0 : end - begin);
  }
  return std::max(sim::Duration::Nanos(longest), plan_.disk_full_duration);
}

sim::Duration Harness::Lateness() const {
  const bool restarts = plan_.crashes() || plan_.power_losses() || plan_.clean_restarts();
  const bool disk_full = plan_.can_fill_disk();
  const bool refuses = disk_full || !plan_.fiu_points.empty();
  const sim::Duration refusing =
      (disk_full ? LongestFullDiskChain() : sim::Duration::Zero()) +
      (refuses ? sim::Duration::Millis(rocksmq::kMaxReopenBackoffMs) : sim::Duration::Zero());
  return store_->jobs().longest_starvation() +
         (restarts ? plan_.restart_delay_max : sim::Duration::Zero()) + plan_.gc_pause_max +
         plan_.go_gc.pause_max + plan_.latency.sync.stall + refusing + sim::Duration::Seconds(1);
}

sim::Duration Harness::DeliveryLateness() const {
  const sim::DiskLatency& l = plan_.latency;
  const sim::Duration stalls =
      l.read.stall + l.write.stall + l.sync.stall + l.dir_sync.stall + l.metadata.stall;
  return plan_.gc_pause_max + plan_.go_gc.pause_max + stalls + sim::Duration::Seconds(1);
}

void Harness::RecordPanic(const std::string& message) {
  if (panic_.empty()) panic_ = "the engine panicked: " + message;
}

RunResult Harness::Run(Workload& workload) {
  MQSIM_ASSERT_MSG(workload_ == nullptr, "Harness::Run runs once");
  workload_ = &workload;
  RunResult r;
  r.store = std::string(backends::ToString(type_));
  r.plan = plan_.ToString();
  if (sc_.swarm_workload) r.plan += "; workload mix: " + WorkloadMixString(sc_.workload);
  const sim::Time start = sim_.now();
  ProbeCounter probes;
  std::optional<Violation> v = workload.Setup();
  if (!v) {
    faults::FaultInjector injector(&sim_, plan_, target_.get());
    std::unique_ptr<PowerLossAudit> audit;
    if (plan_.power_loss_audits() && backends::KeepsFiles(type_)) {
      audit = std::make_unique<PowerLossAudit>(
          *this, [&injector](bool paused) { injector.SetPaused(paused); });
    }
    v = workload.Start();
    if (!v && audit) v = audit->violation();
    if (audit) {
      r.coverage["audit power loss"] += audit->audits();
      r.coverage["audit power-loss image"] += audit->images();
    }
    audit.reset();
    r.injected = injector.counts();
    refusal_causes_ = injector.refusal_causes();
    injector.AddCoverage(&r.coverage);
    CountFaults(r.injected, &r.coverage);
    injector.Quiesce();
  }
  if (!v) v = workload.Check();
  probes.AddTo(&r.coverage);
  TraceVerdict(v);
  if (v) {
    r.pass = false;
    r.property = std::string(properties::Name(v->property));
    r.detail = v->ToString(history_);
    int64_t latest = -1;
    for (size_t i : v->events) latest = std::max(latest, history_.events()[i].time_ns);
    if (latest >= 0) r.failed_at = sim::Duration::Nanos(latest - start.nanos());
  }
  r.sim_time = sim_.now() - start;
  Summarise(r);
  workload.Stop();
  sim_.scheduler().CancelProcess(kStoreProcess);
  workload_ = nullptr;
  return r;
}

// The verdict is the run's last event before teardown: a pass and a fail of one scenario
// and seed never share a hash.
void Harness::TraceVerdict(const std::optional<Violation>& v) {
  sim_.trace().set_actor("judge");  // not a task: the last step's actor would be named
  sim::TraceEventBuilder t = sim_.trace().Event("verdict");
  t.Kv("result", v ? "fail" : "pass");
  if (!v) return;
  std::string events;  // the history events of the evidence (mq.* events' "event" field)
  for (size_t i : v->events) events += (events.empty() ? "" : ",") + std::to_string(i);
  t.Kv("property", properties::Name(v->property)).Kv("detail", v->detail).Kv("events", events);
}

void Harness::Summarise(RunResult& r) const {
  for (const auto& e : history_.events()) {
    if (e.kind == EventKind::kProduce && e.ok) ++r.acked;
    if (e.kind == EventKind::kConsume && e.ok) r.consumed += e.messages.size();
    if (e.kind == EventKind::kRetention) ++r.retention_passes;
  }
  r.crashes = crashes_;
  CountHistory(history_, &r.coverage);
}

}  // namespace mqsim::scenarios
