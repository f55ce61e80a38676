// Crash at every disk operation of a small workload, for both engines, and check every
// post-crash state: acknowledged messages survive (with produce_sync / sync always, also a
// power loss), nothing never produced appears, deleted messages stay deleted, ids and
// sequences keep increasing.
#include "faults/crash_points.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "base/bug_modes.h"
#include "node/sim_node.h"
#include "sim/run_context.h"
#include "sim/simulation.h"
#include "storage/natsmq/nats_store.h"
#include "storage/rocksmq/rocksmq.h"

namespace mqsim::faults {

namespace {

// A simulated machine with one disk and one engine process.
struct Machine {
  Machine()
      : context(1, base::ActiveBugs()),
        sim(1),
        node(&sim, node::SimNodeOptions{.process = 1,
                                        .dir = "/data",
                                        .disk = {},
                                        .disk_stream = "disk",
                                        .env_stream = "env"}) {}
  // Lets queued RocksDB background work run (flushes and compactions are crash points too).
  void Settle() { sim.scheduler().RunFor(sim::Duration::Millis(1)); }
  sim::RunContext context;  // first: outlives the simulation
  sim::Simulation sim;
  node::SimNode node;
};

// ------------------------------------------------------------------ RocksMQ

class RocksMqTarget : public CrashTarget {
 public:
  RocksMqTarget() {
    options_.path = "/data/rdb";
    options_.produce_sync = true;
    options_.page_size_bytes = 64;
    options_.retention_time_minutes = -1;
    options_.retention_size_mb = -1;
    REQUIRE(Open().ok());
  }
  ~RocksMqTarget() override { mq_.reset(); }
  sim::SimFileSystem& disk() override { return m_.node.disk(); }

  void RunWorkload() override {
    if (!mq_->CreateTopic("t").ok()) return;
    topic_acked_ = true;
    if (!mq_->CreateConsumerGroup("t", "g").ok()) return;
    for (int i = 0; i < 24; ++i) {
      const std::string body(4000, static_cast<char>('a' + i % 26));  // fills memtables
      std::vector<std::string> batch{"m" + std::to_string(i) + body};
      if (i % 3 == 0) batch.push_back("m" + std::to_string(i) + "b" + body);
      for (const auto& p : batch) produced_.insert(p);
      absl::StatusOr<std::vector<rocksmq::MessageId>> ids = mq_->Produce("t", batch);
      if (!ids.ok()) return;
      for (size_t k = 0; k < batch.size(); ++k) acked_[(*ids)[k]] = batch[k];
      m_.Settle();
      if (i % 4 == 3 && !mq_->Consume("t", "g", 3).ok()) return;
      if (i == 12 && !mq_->Compact().ok()) return;
    }
  }

  void Abandon() override {
    m_.node.Crash([this] { mq_.reset(); });  // its close cannot reach the powered-off disk
  }

  std::string RecoverAndCheck(bool) override {
    const absl::Status opened = Open();
    if (!opened.ok()) return "recovery failed: " + opened.ToString();
    const std::string problem = Check();
    (void)mq_->Close();
    mq_.reset();
    m_.node.env().DropJobs();
    return problem;
  }

 private:
  absl::Status Open() {
    auto mq = rocksmq::RocksMQ::Open(options_, m_.node.RocksMqHost(
                                                   [](rocksdb::Options* o) {
                                                     // RocksDB's minimum: flushes and
                                                     // compactions crash too
                                                     o->write_buffer_size = 64 << 10;
                                                     o->level0_file_num_compaction_trigger = 2;
                                                   },
                                                   /*memory_bytes=*/1ULL << 30));
    if (!mq.ok()) return mq.status();
    mq_ = std::move(*mq);
    return absl::OkStatus();
  }

  // Produce was synced, so process crash and power loss promise the same.
  std::string Check() {
    if (!mq_->ExistTopic("t")) {
      return topic_acked_ ? "topic t vanished" : "";
    }
    if (!mq_->CreateConsumerGroup("t", "check").ok()) return "cannot create a group";
    auto all = mq_->Consume("t", "check", 1000);
    if (!all.ok()) return "consume failed: " + all.status().ToString();
    std::map<rocksmq::MessageId, std::string> got;
    rocksmq::MessageId last = 0;
    for (const auto& m : *all) {
      if (m.id <= last) return "ids out of order at " + std::to_string(m.id);
      last = m.id;
      if (produced_.count(m.payload) == 0) return "never produced: " + m.payload;
      got[m.id] = m.payload;
    }
    for (const auto& [id, payload] : acked_) {
      auto it = got.find(id);
      if (it == got.end()) return "acknowledged message " + std::to_string(id) + " lost";
      if (it->second != payload) return "message " + std::to_string(id) + " changed";
    }
    auto next = mq_->Produce("t", std::vector<std::string>{"after"});
    if (!next.ok()) return "produce after recovery failed: " + next.status().ToString();
    const rocksmq::MessageId max_seen = std::max(last, acked_.empty() ? 0 : acked_.rbegin()->first);
    if ((*next)[0] <= max_seen) return "id " + std::to_string((*next)[0]) + " reused";
    return "";
  }

  Machine m_;
  rocksmq::RocksMqOptions options_;
  std::unique_ptr<rocksmq::RocksMQ> mq_;
  bool topic_acked_ = false;
  std::set<std::string> produced_;
  std::map<rocksmq::MessageId, std::string> acked_;
};

// ------------------------------------------------------------------ natsmq

class NatsTarget : public CrashTarget {
 public:
  NatsTarget() {
    options_.store_dir = "/data/nats";
    options_.sync_always = true;
    options_.block_size_bytes = 1024;  // several blocks: rollovers and indexes crash too
    REQUIRE(Open().ok());
  }
  ~NatsTarget() override { store_.reset(); }
  sim::SimFileSystem& disk() override { return m_.node.disk(); }

  void RunWorkload() override {
    natsmq::StreamConfig c;
    c.name = "t";
    c.max_msgs = 30;
    if (!store_->AddStream(c).ok()) return;
    stream_acked_ = true;
    for (int i = 0; i < 40; ++i) {
      const std::string payload =
          "n" + std::to_string(i) + std::string(static_cast<size_t>(i * 5), '.');
      produced_.insert(payload);
      absl::StatusOr<uint64_t> seq = store_->Publish("t", payload);
      if (!seq.ok()) return;
      acked_[*seq] = payload;
      max_acked_ = *seq;
      if (i == 15 || i == 33) {
        in_flight_delete_ = *seq - 2;  // a delete cut short by the crash may or may not land
        if (!store_->DeleteMsg("t", *seq - 2).ok()) return;
        deleted_.insert(*seq - 2);
        in_flight_delete_ = 0;
      }
    }
  }

  void Abandon() override {
    m_.node.Crash([this] { store_.reset(); });
  }

  std::string RecoverAndCheck(bool) override {
    const absl::Status opened = Open();
    if (!opened.ok()) return "recovery failed: " + opened.ToString();
    const std::string problem = Check();
    (void)store_->Close();
    store_.reset();
    return problem;
  }

 private:
  absl::Status Open() {
    auto s = natsmq::NatsStore::Open(options_, m_.node.NatsHost());
    if (!s.ok()) return s.status();
    store_ = std::move(*s);
    return absl::OkStatus();
  }

  // sync always: an acknowledged publish or delete survives both kinds of crash.
  std::string Check() {
    auto state = store_->GetStreamState("t");
    if (!state.ok()) return stream_acked_ ? "stream t vanished" : "";
    if (state->last_seq < max_acked_) {
      return "last sequence " + std::to_string(state->last_seq) + " behind acknowledged " +
             std::to_string(max_acked_);
    }
    for (uint64_t seq = state->first_seq; seq <= state->last_seq && seq > 0; ++seq) {
      auto m = store_->GetMsg("t", seq);
      if (!m.ok()) continue;
      if (deleted_.count(seq)) return "deleted message " + std::to_string(seq) + " came back";
      if (produced_.count(m->payload) == 0) return "never published: " + m->payload;
      auto a = acked_.find(seq);
      if (a != acked_.end() && a->second != m->payload) {
        return "message " + std::to_string(seq) + " changed";
      }
    }
    // MaxMsgs=30 keeps the newest 30: every acknowledged one among them must be there.
    for (const auto& [seq, payload] : acked_) {
      if (seq + 30 <= state->last_seq || deleted_.count(seq) || seq == in_flight_delete_) continue;
      if (!store_->GetMsg("t", seq).ok())
        return "acknowledged message " + std::to_string(seq) + " lost";
    }
    auto next = store_->Publish("t", "after");
    if (!next.ok()) return "publish after recovery failed: " + next.status().ToString();
    if (*next <= max_acked_) return "sequence " + std::to_string(*next) + " reused";
    return "";
  }

  Machine m_;
  natsmq::NatsMqOptions options_;
  std::unique_ptr<natsmq::NatsStore> store_;
  bool stream_acked_ = false;
  std::set<std::string> produced_;
  std::map<uint64_t, std::string> acked_;
  std::set<uint64_t> deleted_;
  uint64_t in_flight_delete_ = 0;
  uint64_t max_acked_ = 0;
};

}  // namespace

TEST_CASE("RocksMQ survives a crash at every disk operation") {
  const CrashPointReport r =
      EnumerateCrashPoints([] { return std::make_unique<RocksMqTarget>(); }, {3, 1});
  WARN("rocksmq: " << r.ToString());
  CHECK(r.operations > 50);
  CHECK(r.crash_points == r.operations);
  CHECK(r.states_checked > r.crash_points);
  CHECK(r.failures.empty());
}

TEST_CASE("natsmq survives a crash at every disk operation") {
  const CrashPointReport r =
      EnumerateCrashPoints([] { return std::make_unique<NatsTarget>(); }, {3, 1});
  WARN("natsmq: " << r.ToString());
  CHECK(r.operations > 50);
  CHECK(r.crash_points == r.operations);
  CHECK(r.states_checked > r.crash_points);
  CHECK(r.failures.empty());
}

}  // namespace mqsim::faults
