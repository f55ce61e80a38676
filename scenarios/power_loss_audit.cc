#include "scenarios/power_loss_audit.h"

#include <set>
#include <utility>
#include <vector>

#include "backends/sim_store.h"
#include "base/assert.h"
#include "base/panic.h"
#include "properties/recording_queue.h"
#include "scenarios/harness.h"
#include "scenarios/judge.h"
#include "sim/rocksdb_interpose.h"
#include "sim/simulation.h"

namespace mqsim::scenarios {

namespace {

using properties::EventKind;
using properties::History;
using properties::HistoryEvent;
using properties::Property;
using properties::Violation;

// Every audit recovers the durable image ("nothing unsynced survived": what a sync the
// engine forgot loses); with this chance also one drawn from the first kEnumeratedImages a
// power loss could leave (tails halved or kept, directory entries lost or kept), which
// costs an enumeration.
constexpr double kMixedImageChance = 0.25;
constexpr size_t kEnumeratedImages = 4;

// What the audit produces after recovery on each topic (never read back).
constexpr char kProbePayload[] = "power-loss audit probe";

// The topics the history created, in the order it first created them.
std::vector<std::string> Topics(const History& h) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const HistoryEvent& e : h.events()) {
    if (e.kind == EventKind::kCreateTopic && e.ok && seen.insert(e.topic).second) {
      out.push_back(e.topic);
    }
  }
  return out;
}

// The properties a real power loss is judged by, on the history cut at the audit.
const std::vector<Property>& AuditedProperties() {
  static const std::vector<Property> p = {Property::kOrdering, Property::kNoResurrection,
                                          Property::kDurability, Property::kPageAccounting};
  return p;
}

}  // namespace

// How often the observer looks whether an audit is due (the moments are drawn in ms).
constexpr sim::Duration kObserveEvery = sim::Duration::Millis(10);

PowerLossAudit::PowerLossAudit(Harness& harness, std::function<void(bool)> pause)
    : h_(harness), pause_(std::move(pause)), rng_(harness.sim().Stream("audit")) {
  MQSIM_ASSERT(h_.plan().power_loss_audits());
  next_ = h_.sim().now() + NextGap();
  observer_ = h_.scheduler().AddObserver([this](sim::Time now) { Observe(now); }, kObserveEvery);
}

PowerLossAudit::~PowerLossAudit() { h_.scheduler().RemoveObserver(observer_); }

sim::Duration PowerLossAudit::NextGap() {
  const double mean_ms = static_cast<double>(h_.plan().power_loss_audit_interval.millis());
  return sim::Duration::Millis(static_cast<int64_t>(rng_.Exponential(mean_ms)) + 1);
}

void PowerLossAudit::Observe(sim::Time now) {
  if (violation_ || now < next_) return;
  AuditNow();
  next_ = now + NextGap();
}

void PowerLossAudit::AuditNow() {
  if (violation_) return;
  ++audits_;
  const sim::SimFileSystem& disk = h_.store().disk();
  std::vector<std::pair<sim::DiskImage, std::string>> images;
  images.emplace_back(disk.DurableImage(), "nothing unsynced survived");
  if (rng_.Chance(kMixedImageChance)) {
    std::vector<sim::DiskImage> all = disk.EnumeratePowerLossImages(kEnumeratedImages);
    if (all.size() > 1) {
      const size_t i = 1 + rng_.Below(all.size() - 1);
      images.emplace_back(std::move(all[i]), "image " + std::to_string(i + 1) + " of " +
                                                 std::to_string(all.size()) + " enumerated");
    }
  }
  const std::vector<std::string> topics = Topics(h_.history());
  pause_(true);
  for (const auto& [image, label] : images) {
    ++images_;
    violation_ = AuditImage(image, label, topics);
    h_.sim()
        .trace()
        .Event("audit")
        .Kv("image", label)
        .Kv("fingerprint", image.Fingerprint())
        .Kv("result", violation_ ? "fail" : "pass");
    if (violation_) break;
  }
  pause_(false);
}

// Recovers a store from `image` on a machine of its own and judges what it holds.
std::optional<Violation> PowerLossAudit::AuditImage(const sim::DiskImage& image,
                                                    const std::string& label,
                                                    const std::vector<std::string>& topics) {
  const std::string when = "a power loss at " + sim::Duration::Nanos(h_.Now()).ToString() +
                           " (power-loss audit, " + label + ")";
  std::string panic;
  const base::ScopedPanicHandler panics([&panic](const std::string& m) {
    if (panic.empty()) panic = m;
  });
  auto panicked = [&]() -> std::optional<Violation> {
    if (panic.empty()) return std::nullopt;
    return Violation{Property::kNoPanic, when + ": the engine panicked: " + panic, {}};
  };
  const uint64_t seed = rng_.NextU64();
  const sim::ScopedRocksDbInternals rocksdb_internals(seed);
  sim::Simulation world(seed);
  world.clock().AdvanceTo(h_.sim().now());
  backends::SimStoreOptions o;
  o.type = h_.type();
  o.config = h_.StoreConfig();
  o.dir = "/data";
  o.process = kStoreProcess;
  backends::SimStore store(&world, o);
  store.disk().Restore(image);
  const absl::Status opened = store.Open();
  if (std::optional<Violation> v = panicked()) return v;
  if (!opened.ok()) {
    return Violation{Property::kRecovery,
                     when + ": the store does not open: " + std::string(opened.message()),
                     {}};
  }
  History cut = h_.history();
  cut.set_trace(nullptr);
  const size_t prefix = cut.size();
  const int64_t now = h_.Now();
  cut.Add(HistoryEvent{.time_ns = now, .kind = EventKind::kCrash});
  cut.Add(HistoryEvent{.time_ns = now, .kind = EventKind::kPowerLoss});
  cut.Add(HistoryEvent{.time_ns = now, .kind = EventKind::kRecover});
  for (const std::string& t : topics) {
    (void)store.queue()->CreateTopic(t);  // as the workload's restart does
    (void)properties::RecordFullRead(*store.queue(), t, &cut, now);
    // One produce after recovery: its id must exceed every id acknowledged before.
    absl::StatusOr<backends::MessageId> id = store.queue()->Produce(t, kProbePayload);
    if (id.ok()) {
      cut.Add(HistoryEvent{.time_ns = now,
                           .kind = EventKind::kProduce,
                           .topic = t,
                           .id = *id,
                           .payload = kProbePayload});
    }
  }
  store.Crash(std::nullopt);  // the copy is thrown away: no clean close, no queued compactions
  if (std::optional<Violation> v = panicked()) return v;
  const std::string no_panic;
  std::optional<Violation> v = JudgeOnly(JudgeInput{cut, h_.scenario(), h_.plan(), h_.type(),
                                                    h_.Lateness(), h_.DeliveryLateness(), no_panic},
                                         AuditedProperties());
  if (!v) return std::nullopt;
  Violation out{v->property, when + " would leave: " + v->detail, {}};
  for (size_t i : v->events) {
    if (i < prefix) {
      out.events.push_back(i);
    } else {
      out.detail += "\n  " + cut.Describe(i);
    }
  }
  return out;
}

}  // namespace mqsim::scenarios
