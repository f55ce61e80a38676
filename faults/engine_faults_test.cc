// Both engines under each fault kind (and seeded swarm mixes), many seeds each: a workload
// produces and consumes for ten simulated minutes while the FaultInjector crashes the
// process (between calls, inside calls, inside recovery), cuts power, fills and slows the
// disk, pauses the process (by interval and by a GOGC allocation model), starves its
// periodic jobs, fails libfiu points inside the engines and fires BUGGIFY sites. At the
// end the node restarts cleanly and the checker demands: every acknowledged message that
// was promised durable is there (synced, or acknowledged after the last power loss),
// nothing that was never produced appears, no message appears twice, no id or sequence is
// reused, and the consumer saw ids in increasing order within each incarnation, never
// skipped a message that is there, and never saw one id with two payloads.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "faults/fault_injector.h"
#include "node/sim_node.h"
#include "sim/determinism.h"
#include "sim/rocksdb_interpose.h"
#include "sim/simulation.h"
#include "storage/natsmq/nats_store.h"
#include "storage/rocksmq/rocksmq.h"

namespace mqsim::faults {

namespace {

constexpr sim::ProcessId kNode = 1;
const sim::Duration kRun = sim::Duration::Minutes(10);

struct Produced {
  std::optional<int64_t> id;  // set once acknowledged
  sim::Time acked_at;
};

// Payloads are "p<n>" plus padding; messages name the "p<n>" part.
std::string Short(const std::string& payload) { return payload.substr(0, payload.find('x')); }

// What the workload was told, and the rule for what must survive.
struct Ledger {
  bool always_durable = false;  // produce_sync / sync always
  sim::Time last_power_loss = sim::Time::Min();
  std::map<std::string, Produced> produced;  // payload -> outcome
  std::map<int64_t, std::string> delivered;  // id -> payload, as the consumer saw them
  int64_t last_delivered = 0;                // in this incarnation of the consumer
  std::string consumer_problem;              // first ordering violation seen live

  void Deliver(int64_t id, const std::string& payload) {
    if (id <= last_delivered && consumer_problem.empty()) {
      consumer_problem = "consumer went backwards: id " + std::to_string(id) + " after " +
                         std::to_string(last_delivered) + " in one incarnation";
    }
    auto [it, fresh] = delivered.emplace(id, payload);
    if (!fresh && it->second != payload && consumer_problem.empty()) {
      consumer_problem = "id " + std::to_string(id) + " delivered as \"" + Short(it->second) +
                         "\" and as \"" + Short(payload) + "\"";
    }
    last_delivered = std::max(last_delivered, id);
  }
  int64_t max_delivered() const { return delivered.empty() ? 0 : delivered.rbegin()->first; }

  bool Promised(const Produced& p) const {
    return p.id && (always_durable || p.acked_at > last_power_loss);
  }
  // found: id -> payload, as read back after the final restart.
  std::string Check(const std::map<int64_t, std::string>& found) const {
    std::set<std::string> seen;
    std::map<int64_t, std::string> acked_ids;
    for (const auto& [payload, p] : produced) {
      if (p.id) acked_ids[*p.id] = payload;
    }
    for (const auto& [id, payload] : found) {
      auto it = produced.find(payload);
      if (it == produced.end())
        return "never produced: \"" + Short(payload) + "\" at " + std::to_string(id);
      if (!seen.insert(payload).second) return "delivered twice: \"" + Short(payload) + "\"";
      auto owner = acked_ids.find(id);
      if (owner != acked_ids.end() && owner->second != payload) {
        return "id " + std::to_string(id) + " reused: acknowledged for \"" + Short(owner->second) +
               "\", now holds \"" + Short(payload) + "\"";
      }
    }
    for (const auto& [payload, p] : produced) {
      if (Promised(p) && seen.count(payload) == 0) {
        return "acknowledged message \"" + Short(payload) + "\" (id " + std::to_string(*p.id) +
               ") lost";
      }
    }
    if (!consumer_problem.empty()) return consumer_problem;
    for (const auto& [id, payload] : found) {
      auto d = delivered.find(id);
      if (d == delivered.end() && id <= max_delivered()) {
        return "consumer skipped id " + std::to_string(id) + " (\"" + Short(payload) +
               "\"; it delivered up to " + std::to_string(max_delivered()) + ")";
      }
      if (d != delivered.end() && d->second != payload) {
        return "consumer saw id " + std::to_string(id) + " as \"" + Short(d->second) +
               "\", the store now holds \"" + Short(payload) + "\"";
      }
    }
    return "";
  }
};

// One engine process on one simulated machine, as the injector sees it.
class Node : public FaultTarget {
 public:
  explicit Node(sim::Simulation* sim)
      : sim_(sim),
        machine_(sim, node::SimNodeOptions{.process = kNode,
                                           .dir = "/data",
                                           .disk = {},
                                           .disk_stream = "disk",
                                           .env_stream = "env"}),
        rng_(sim->Stream("workload")) {}
  sim::ProcessId process() const override { return kNode; }
  sim::SimFileSystem& disk() override { return machine_.disk(); }
  node::SimJobRunner& jobs() override { return machine_.jobs(); }

  void Crash(std::optional<sim::PowerLossMode> power_loss) override {
    machine_.Crash([this] { Drop(); }, power_loss);
    if (power_loss) ledger_.last_power_loss = sim_->now();
    up_ = false;
  }
  bool Restart() override {
    if (up_) return true;
    if (!Open() || !StartConsumer()) {
      // e.g. the disk is full or a fault point failed recovery: the start is abandoned
      // (as the process would exit) and the injector tries again later.
      Abandon();
      return false;
    }
    ledger_.last_delivered = 0;  // a new incarnation of the consumer
    machine_.jobs().Start(Jobs());
    sim::Scheduler& s = sim_->scheduler();
    s.Spawn(
        "workload", [this] { return Workload(); }, sim::SpawnOptions{.process = kNode});
    s.Spawn(
        "consumer", [this] { return Consumer(); }, sim::SpawnOptions{.process = kNode});
    up_ = true;
    return true;
  }
  void SetAllocationHook(std::function<void(uint64_t)> hook) override {
    alloc_hook_ = std::move(hook);
  }
  // After the faults: restart cleanly (twice, to cover a clean close too) and check.
  std::string FinalCheck() {
    if (up_) Crash(std::nullopt);  // stop the workload; page cache kept
    machine_.disk().set_capacity_bytes(UINT64_MAX);
    machine_.disk().options().latency = {};
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!Open()) return "cannot restart after the run";
      if (attempt == 0 && !CloseCleanly()) return "clean close failed";
    }
    std::map<int64_t, std::string> found;
    const std::string read = ReadAll(&found);
    if (!read.empty()) return read;
    const std::string problem = ledger_.Check(found);
    if (!problem.empty()) return problem;
    const std::optional<int64_t> next = ProduceOne("after-the-run");
    if (!next) return "cannot produce after the run";
    for (const auto& [id, payload] : found) {
      if (*next <= id)
        return "new id " + std::to_string(*next) + " not above " + std::to_string(id);
    }
    return "";
  }
  Ledger& ledger() { return ledger_; }

 protected:
  // The process dies (node::SimNode::Crash): the workload and job tasks die with it, the
  // engine is dropped while the disk refuses writes; the page cache survives.
  void Abandon() {
    machine_.Crash([this] { Drop(); });
  }
  virtual bool Open() = 0;
  virtual void Drop() = 0;
  virtual bool CloseCleanly() = 0;
  virtual std::vector<storage::PeriodicJob> Jobs() = 0;
  // Produces one batch; returns the ids, or nullopt on failure.
  virtual std::optional<std::vector<int64_t>> Produce(const std::vector<std::string>& batch) = 0;
  virtual std::string ReadAll(std::map<int64_t, std::string>* found) = 0;
  // Joins the consumer group "g" again after a start (positioned after what it saw).
  virtual bool StartConsumer() = 0;
  // Up to n messages for the group (acknowledged as received); nullopt on failure.
  virtual std::optional<std::vector<std::pair<int64_t, std::string>>> ConsumeSome(int n) = 0;

  void Allocated(uint64_t bytes) {
    if (alloc_hook_) alloc_hook_(bytes);
  }

  sim::Task<void> Consumer() {
    sim::Scheduler& s = sim_->scheduler();
    for (;;) {
      co_await s.SleepFor(sim::Duration::Millis(rng_.Uniform(50, 600)));
      auto got = ConsumeSome(static_cast<int>(rng_.Uniform(1, 8)));
      if (!got) continue;
      for (const auto& [id, payload] : *got) {
        ledger_.Deliver(id, payload);
        Allocated(payload.size());
      }
    }
  }

  std::optional<int64_t> ProduceOne(const std::string& payload) {
    ledger_.produced[payload];
    auto ids = Produce({payload});
    if (!ids) return std::nullopt;
    return ids->front();
  }

  sim::Task<void> Workload() {
    sim::Scheduler& s = sim_->scheduler();
    for (;;) {
      co_await s.SleepFor(sim::Duration::Millis(rng_.Uniform(20, 400)));
      std::vector<std::string> batch;
      const int n = static_cast<int>(rng_.Uniform(1, 3));
      for (int i = 0; i < n; ++i) {
        batch.push_back("p" + std::to_string(next_payload_++) +
                        std::string(static_cast<size_t>(rng_.Uniform(0, 3000)), 'x'));
        ledger_.produced[batch.back()];
      }
      for (const std::string& p : batch) Allocated(2 * p.size() + 256);  // copies, encoding
      const std::optional<std::vector<int64_t>> ids = Produce(batch);
      if (!ids) continue;  // a full disk, an injected error: try again later
      for (size_t i = 0; i < batch.size(); ++i) {
        ledger_.produced[batch[i]] = Produced{(*ids)[i], s.now()};
        sim_->trace().Event("node.acked").Kv("msg", Short(batch[i])).Kv("id", (*ids)[i]);
      }
    }
  }

  sim::Simulation* sim_;
  node::SimNode machine_;
  sim::Random rng_;
  Ledger ledger_;
  bool up_ = false;
  uint64_t next_payload_ = 0;
  std::function<void(uint64_t)> alloc_hook_;
};

class RocksMqNode : public Node {
 public:
  RocksMqNode(sim::Simulation* sim, bool produce_sync) : Node(sim) {
    options_.path = "/data/rdb";
    options_.produce_sync = produce_sync;
    options_.page_size_bytes = 16 << 10;
    options_.retention_time_minutes = -1;  // retention is judged by properties/
    options_.retention_size_mb = -1;
    options_.ticker_interval_s = 30;
    options_.compaction_interval_s = 120;
    ledger_.always_durable = produce_sync;
  }

 protected:
  bool Open() override {
    auto mq = rocksmq::RocksMQ::Open(
        options_, machine_.RocksMqHost([](rocksdb::Options* o) { o->write_buffer_size = 64 << 10; },
                                       /*memory_bytes=*/1ULL << 30));
    if (!mq.ok()) return false;
    mq_ = std::move(*mq);
    return mq_->CreateTopic("t").ok();
  }
  void Drop() override { mq_.reset(); }
  bool CloseCleanly() override {
    const bool ok = mq_->Close().ok();
    mq_.reset();
    return ok;
  }
  std::vector<storage::PeriodicJob> Jobs() override { return mq_->PeriodicJobs(); }
  std::optional<std::vector<int64_t>> Produce(const std::vector<std::string>& batch) override {
    auto ids = mq_->Produce("t", batch);
    if (!ids.ok()) return std::nullopt;
    return std::vector<int64_t>(ids->begin(), ids->end());
  }
  // Groups live in memory (as in Milvus): after a start the group is created again and
  // seeks past what it saw, as Milvus seeks to its checkpoint.
  bool StartConsumer() override {
    absl::Status s = mq_->CreateConsumerGroup("t", "g");
    if (!s.ok() && !absl::IsAlreadyExists(s)) return false;
    if (ledger_.max_delivered() > 0) s = mq_->Seek("t", "g", ledger_.max_delivered() + 1);
    return s.ok();
  }
  std::optional<std::vector<std::pair<int64_t, std::string>>> ConsumeSome(int n) override {
    auto got = mq_->Consume("t", "g", n);
    if (!got.ok()) return std::nullopt;
    std::vector<std::pair<int64_t, std::string>> out;
    for (const auto& m : *got) out.emplace_back(m.id, m.payload);
    return out;
  }
  std::string ReadAll(std::map<int64_t, std::string>* found) override {
    if (!mq_->CreateConsumerGroup("t", "final-check").ok()) return "cannot create a group";
    auto all = mq_->Consume("t", "final-check", 1'000'000);
    if (!all.ok()) return "consume failed: " + all.status().ToString();
    for (const auto& m : *all) (*found)[m.id] = m.payload;
    return "";
  }

 private:
  rocksmq::RocksMqOptions options_;
  std::unique_ptr<rocksmq::RocksMQ> mq_;
};

class NatsNode : public Node {
 public:
  NatsNode(sim::Simulation* sim, bool sync_always) : Node(sim) {
    options_.store_dir = "/data/nats";
    options_.sync_always = sync_always;
    options_.sync_interval_ms = 10'000;
    options_.block_size_bytes = 256 << 10;
    ledger_.always_durable = sync_always;
  }

 protected:
  bool Open() override {
    auto s = natsmq::NatsStore::Open(options_, machine_.NatsHost());
    if (!s.ok()) return false;
    store_ = std::move(*s);
    natsmq::StreamConfig c;
    c.name = "t";
    return store_->AddStream(c).ok();
  }
  void Drop() override { store_.reset(); }
  bool CloseCleanly() override {
    const bool ok = store_->Close().ok();
    store_.reset();
    return ok;
  }
  std::vector<storage::PeriodicJob> Jobs() override { return store_->PeriodicJobs(); }
  std::optional<std::vector<int64_t>> Produce(const std::vector<std::string>& batch) override {
    std::vector<int64_t> ids;
    for (const std::string& p : batch) {
      auto seq = store_->Publish("t", p);
      if (!seq.ok()) {
        // Earlier messages of the batch were acknowledged one by one.
        for (size_t i = 0; i < ids.size(); ++i)
          ledger_.produced[batch[i]] = Produced{ids[i], sim_->now()};
        return std::nullopt;
      }
      ids.push_back(static_cast<int64_t>(*seq));
    }
    return ids;
  }
  // The durable consumer survives restarts (its ack floor is on disk): redelivery after
  // an unclean stop is allowed, skipping is not.
  bool StartConsumer() override {
    natsmq::ConsumerConfig c;
    c.durable_name = "g";
    return store_->AddConsumer("t", c).ok();
  }
  std::optional<std::vector<std::pair<int64_t, std::string>>> ConsumeSome(int n) override {
    auto got = store_->Fetch("t", "g", n);
    if (!got.ok()) return std::nullopt;
    std::vector<std::pair<int64_t, std::string>> out;
    for (const auto& m : *got) {
      out.emplace_back(static_cast<int64_t>(m.seq), m.payload);
      (void)store_->Ack("t", "g", m.seq);  // Milvus acks on receipt; a failed ack redelivers
    }
    return out;
  }
  std::string ReadAll(std::map<int64_t, std::string>* found) override {
    auto st = store_->GetStreamState("t");
    if (!st.ok()) return "stream lost";
    for (uint64_t seq = std::max<uint64_t>(1, st->first_seq); seq <= st->last_seq; ++seq) {
      auto m = store_->GetMsg("t", seq);
      if (m.ok()) (*found)[static_cast<int64_t>(seq)] = m->payload;
    }
    return "";
  }

 private:
  natsmq::NatsMqOptions options_;
  std::unique_ptr<natsmq::NatsStore> store_;
};

enum class Engine { kRocksMq, kNats };

struct RunOutcome {
  std::string problem;
  uint64_t trace_hash;
  FaultCounts counts;
  uint64_t acked;
  uint64_t delivered;
};

RunOutcome RunUnderFaults(Engine engine, uint64_t seed, const FaultPlan& plan, bool durable,
                          sim::Trace* trace = nullptr) {
  sim::ResetRocksDbInternals(seed);
  sim::Simulation sim(seed, trace);
  std::unique_ptr<Node> node;
  if (engine == Engine::kRocksMq)
    node = std::make_unique<RocksMqNode>(&sim, durable);
  else
    node = std::make_unique<NatsNode>(&sim, durable);
  node->Restart();
  RunOutcome out;
  {
    FaultInjector injector(&sim, plan, node.get());
    sim.scheduler().RunFor(kRun);
    out.counts = injector.counts();
  }
  sim.scheduler().RunFor(sim::Duration::Seconds(5));  // let a last GC pause end
  out.problem = node->FinalCheck();
  out.trace_hash = sim.trace().hash();
  out.acked = 0;
  for (const auto& [payload, p] : node->ledger().produced) out.acked += p.id ? 1 : 0;
  out.delivered = node->ledger().delivered.size();
  return out;
}

FaultPlan OnlyKind(int kind) {
  FaultPlan p;
  switch (kind) {
    case 0:
      p.crash_interval = sim::Duration::Minutes(2);
      break;
    case 1:
      p.power_loss_interval = sim::Duration::Minutes(2);
      break;
    case 2:
      p.disk_full_interval = sim::Duration::Minutes(2);
      p.disk_full_duration = sim::Duration::Seconds(40);
      break;
    case 3:
      p.latency.sync = {sim::Duration::Micros(200), sim::Duration::Millis(20), 0.05,
                        sim::Duration::Seconds(3)};
      p.latency.write = {sim::Duration::Micros(5), sim::Duration::Micros(500), 0, {}};
      break;
    case 4:
      p.gc_interval = sim::Duration::Seconds(20);
      break;
    case 5:
      p.starve_job = "rocksmq.";
      p.starve_interval = sim::Duration::Minutes(2);
      break;
    case 6:
      p.crash_at_op_interval = sim::Duration::Minutes(1);
      p.recovery_crash_probability = 0.5;
      break;
    case 7:
      p.fiu_points = {"rocksmq/*", "natsmq/*"};
      p.fiu_probability = 0.02;
      p.crash_interval = sim::Duration::Minutes(4);  // recovery meets the points too
      break;
    case 8:
      p.go_gc.gogc = 50;
      break;
    case 9:
      p.buggify = true;
      p.crash_interval = sim::Duration::Minutes(3);
      break;
  }
  return p;
}

constexpr int kKinds = 10;
const char* kKindNames[kKinds] = {"crash",
                                  "power loss",
                                  "disk full",
                                  "slow disk",
                                  "gc pause",
                                  "starvation",
                                  "crash in call/recovery",
                                  "fault points",
                                  "go gc",
                                  "buggify"};

// MQSIM_SWARM_SEEDS=N runs N swarm seeds (default 4; the "long" target runs more), split
// across Bazel test shards (TEST_TOTAL_SHARDS / TEST_SHARD_INDEX) when sharded.
uint64_t SwarmSeeds() {
  const char* n = std::getenv("MQSIM_SWARM_SEEDS");
  return n != nullptr ? std::strtoull(n, nullptr, 10) : 4;
}
bool MySwarmSeed(uint64_t seed) {
  const char* total = std::getenv("TEST_TOTAL_SHARDS");
  const char* index = std::getenv("TEST_SHARD_INDEX");
  if (total == nullptr || index == nullptr) return true;
  if (const char* status = std::getenv("TEST_SHARD_STATUS_FILE")) {
    std::ofstream touch(status);  // tells Bazel this test knows the sharding protocol
  }
  return seed % std::strtoull(total, nullptr, 10) == std::strtoull(index, nullptr, 10);
}

void CheckEngine(Engine engine) {
  const char* name = engine == Engine::kRocksMq ? "rocksmq" : "natsmq";
  uint64_t buggify_fired = 0;
  // In a sharded run the fixed kinds run in shard 0 only; the swarm seeds are split.
  const bool kinds_here = MySwarmSeed(0);
  for (int kind = 0; kinds_here && kind < kKinds; ++kind) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      const bool durable = seed % 2 == 1;
      const FaultPlan plan = OnlyKind(kind);
      const RunOutcome r = RunUnderFaults(engine, seed, plan, durable);
      INFO(name << " under " << kKindNames[kind] << ", seed " << seed
                << (durable ? ", synced" : ", not synced") << ", plan: " << plan.ToString());
      CHECK(r.problem == "");
      CHECK(r.acked > 100);
      CHECK(r.delivered > 50);
      // The fault actually happened.
      const FaultCounts& c = r.counts;
      switch (kind) {
        case 0:
          CHECK(c.crashes > 0);
          break;
        case 1:
          CHECK(c.power_losses > 0);
          break;
        case 2:
          CHECK(c.disk_full > 0);
          break;
        case 4:
        case 8:
          CHECK(c.gc_pauses > 0);
          break;
        case 5:
          CHECK(c.starvations > 0);
          break;
        case 6:
          CHECK(c.crashes_in_calls + c.crashes_in_recovery > 0);
          break;
        case 7:
          CHECK(c.fault_point_failures > 0);
          break;
        default:
          break;
      }
      buggify_fired += kind == 9 ? c.buggify_fired : 0;
    }
  }
  // A BUGGIFY site is switched on for a run with probability 1/4: some seeds fire none.
  if (kinds_here) CHECK(buggify_fired > 0);
  for (uint64_t seed = 100; seed < 100 + SwarmSeeds(); ++seed) {
    if (!MySwarmSeed(seed)) continue;
    sim::Random rng(seed);
    const FaultPlan plan = Swarm(rng, kRun);
    const auto started = std::chrono::steady_clock::now();  // progress report only
    const RunOutcome r = RunUnderFaults(engine, seed, plan, seed % 2 == 1);
    if (std::getenv("MQSIM_SWARM_VERBOSE") != nullptr) {
      std::cerr << name << " swarm seed " << seed << ": "
                << std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - started)
                       .count()
                << " ms, " << r.acked << " acked, plan: " << plan.ToString() << "\n";
    }
    INFO(name << " swarm seed " << seed << ", plan: " << plan.ToString());
    CHECK(r.problem == "");
  }
}

}  // namespace

TEST_CASE("rocksmq keeps its promises under every fault kind") { CheckEngine(Engine::kRocksMq); }

TEST_CASE("natsmq keeps its promises under every fault kind") { CheckEngine(Engine::kNats); }

TEST_CASE("The same fault plan and seed reproduce the same trace") {
  FaultPlan plan = OnlyKind(0);
  plan.power_loss_interval = sim::Duration::Minutes(3);
  plan.gc_interval = sim::Duration::Seconds(30);
  plan.crash_at_op_interval = sim::Duration::Minutes(2);
  plan.recovery_crash_probability = 0.3;
  plan.go_gc.gogc = 100;
  plan.fiu_points = {"rocksmq/*", "natsmq/*"};
  plan.buggify = true;
  for (Engine engine : {Engine::kRocksMq, Engine::kNats}) {
    const sim::DeterminismReport r = sim::CheckDeterminism(
        [&](sim::Trace& t) { (void)RunUnderFaults(engine, 7, plan, false, &t); });
    INFO(r.ToString());
    CHECK(r.deterministic);
    const RunOutcome a = RunUnderFaults(engine, 7, plan, false);
    const RunOutcome c = RunUnderFaults(engine, 8, plan, false);
    CHECK(a.trace_hash != c.trace_hash);
    CHECK(a.counts.crashes + a.counts.power_losses > 0);
  }
}

}  // namespace mqsim::faults

// Replays one swarm seed with a JSONL trace: MQSIM_REPLAY_SEED=N MQSIM_REPLAY_ENGINE=natsmq
// MQSIM_REPLAY_TRACE=/tmp/t.jsonl bazel-bin/faults/engine_faults_test "[.replay]"
namespace mqsim::faults {
TEST_CASE("Replay one swarm seed with a trace", "[.replay]") {
  const char* seed_env = std::getenv("MQSIM_REPLAY_SEED");
  REQUIRE(seed_env != nullptr);
  const uint64_t seed = std::strtoull(seed_env, nullptr, 10);
  const char* engine_env = std::getenv("MQSIM_REPLAY_ENGINE");
  const Engine engine = engine_env != nullptr && std::string(engine_env) == "rocksmq"
                            ? Engine::kRocksMq
                            : Engine::kNats;
  sim::Random rng(seed);
  const FaultPlan plan = Swarm(rng, kRun);
  sim::Trace trace;
  std::ofstream out(std::getenv("MQSIM_REPLAY_TRACE") ? std::getenv("MQSIM_REPLAY_TRACE")
                                                      : "/dev/null");
  sim::JsonlTraceWriter writer(out);
  trace.set_sink(&writer);
  const RunOutcome r = RunUnderFaults(engine, seed, plan, seed % 2 == 1, &trace);
  INFO("plan: " << plan.ToString());
  CHECK(r.problem == "");
}
}  // namespace mqsim::faults
