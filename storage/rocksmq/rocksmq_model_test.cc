// Property test: random operation sequences against RocksMQ and against an in-memory model
// of the same semantics (rocksmq.md), compared after every operation. rapidcheck shrinks a
// failing sequence to a minimal one. Runs in the simulation (fast, deterministic) and
// natively.
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <map>
#include <sstream>

#include "storage/rocksmq/rocksmq.h"
#include "tests/engine_world.h"

namespace mqsim::rocksmq {

namespace {

using testing::EngineWorld;

const std::vector<std::string> kTopics{"a", "ab", "b"};  // "a" is a prefix of "ab"
const std::vector<std::string> kGroups{"g1", "g2"};
constexpr int64_t kPageBytes = 10;

struct Op {
  enum Kind {
    kCreateTopic,
    kDestroyTopic,
    kProduce,
    kCreateGroup,
    kDestroyGroup,
    kConsume,
    kSeek,
    kSeekToLatest,
    kLatest,
    kRetention,
    kReopen,
    kKinds
  } kind;
  int topic = 0;
  int group = 0;
  int n = 1;               // consume count
  std::vector<int> sizes;  // produce: payload sizes
  int64_t seek = 0;        // seek target
};

std::ostream& operator<<(std::ostream& os, const Op& op) {
  static const char* kNames[] = {"CreateTopic",  "DestroyTopic", "Produce", "CreateGroup",
                                 "DestroyGroup", "Consume",      "Seek",    "SeekToLatest",
                                 "GetLatestMsg", "Retention",    "Reopen"};
  os << kNames[op.kind] << "(" << kTopics[static_cast<size_t>(op.topic)];
  if (op.kind == Op::kCreateGroup || op.kind == Op::kDestroyGroup || op.kind == Op::kConsume ||
      op.kind == Op::kSeek || op.kind == Op::kSeekToLatest) {
    os << ", " << kGroups[static_cast<size_t>(op.group)];
  }
  if (op.kind == Op::kConsume) os << ", n=" << op.n;
  if (op.kind == Op::kSeek) os << ", id=" << op.seek;
  if (op.kind == Op::kProduce) {
    os << ", sizes=[";
    for (int s : op.sizes) os << s << " ";
    os << "]";
  }
  return os << ")";
}

// The model: obviously-correct maps.
struct Model {
  struct Topic {
    std::map<int64_t, std::string> messages;
    std::map<int64_t, bool> pages;  // closed pages: last id -> acked
    int64_t open_bytes = 0;
    std::map<std::string, int64_t> groups;  // -1: earliest
  };
  std::map<std::string, Topic> topics;
  std::map<std::string, int64_t> high_water;  // survives DestroyTopic: ids continue

  void Ack(Topic& t) {
    if (t.groups.empty()) return;
    int64_t min_pos = INT64_MAX;
    for (const auto& [g, pos] : t.groups) min_pos = std::min(min_pos, pos);
    if (min_pos == -1) return;
    for (auto& [last, acked] : t.pages) {
      if (last < min_pos) acked = true;
    }
  }
};

// Runs op on both sides and returns a description of any difference.
class Runner {
 public:
  explicit Runner(EngineWorld::Kind kind) : world_(EngineWorld::Make(kind, 7)) {
    options_.path = world_->Dir() + "/rdb";
    options_.page_size_bytes = kPageBytes;
    options_.retention_time_minutes = 0;
    options_.retention_size_mb = -1;
    Open();
  }
  ~Runner() { mq_.reset(); }

  std::string Step(const Op& op) {
    const std::string topic = kTopics[static_cast<size_t>(op.topic)];
    const std::string group = kGroups[static_cast<size_t>(op.group)];
    auto t = model_.topics.find(topic);
    const bool exists = t != model_.topics.end();
    switch (op.kind) {
      case Op::kCreateTopic: {
        if (!exists) model_.topics[topic];
        return Expect(mq_->CreateTopic(topic).ok(), true);
      }
      case Op::kDestroyTopic: {
        if (exists) model_.topics.erase(t);
        return Expect(mq_->DestroyTopic(topic).ok(), exists);
      }
      case Op::kProduce: {
        std::vector<std::string> payloads;
        for (int s : op.sizes)
          payloads.push_back(std::string(static_cast<size_t>(s), 'x') + std::to_string(counter_++));
        auto ids = mq_->Produce(topic, payloads);
        if (!exists) return Expect(ids.ok(), false);
        if (!ids.ok()) return "produce failed: " + ids.status().ToString();
        int64_t& hwm = model_.high_water[topic];
        for (size_t i = 0; i < payloads.size(); ++i) {
          const int64_t id = ++hwm;
          if ((*ids)[i] != id)
            return "id " + std::to_string((*ids)[i]) + ", model " + std::to_string(id);
          t->second.messages[id] = payloads[i];
          const int64_t size = static_cast<int64_t>(payloads[i].size());
          if (t->second.open_bytes + size > kPageBytes) {
            t->second.pages[id] = false;
            t->second.open_bytes = 0;
          } else {
            t->second.open_bytes += size;
          }
        }
        model_.Ack(t->second);
        return "";
      }
      case Op::kCreateGroup: {
        const bool fresh = exists && t->second.groups.emplace(group, -1).second;
        return Expect(mq_->CreateConsumerGroup(topic, group).ok(), fresh);
      }
      case Op::kDestroyGroup: {
        if (exists) {
          t->second.groups.erase(group);
          model_.Ack(t->second);
        }
        return Expect(mq_->DestroyConsumerGroup(topic, group).ok(), exists);
      }
      case Op::kConsume: {
        auto got = mq_->Consume(topic, group, op.n);
        if (!exists || !t->second.groups.count(group)) return Expect(got.ok(), false);
        if (!got.ok()) return "consume failed: " + got.status().ToString();
        int64_t& pos = t->second.groups[group];
        std::vector<std::pair<int64_t, std::string>> want;
        for (auto it = t->second.messages.lower_bound(pos == -1 ? 0 : pos);
             it != t->second.messages.end() && static_cast<int>(want.size()) < op.n; ++it) {
          want.emplace_back(it->first, it->second);
        }
        if (got->size() != want.size()) {
          return "consumed " + std::to_string(got->size()) + ", model " +
                 std::to_string(want.size());
        }
        for (size_t i = 0; i < want.size(); ++i) {
          if ((*got)[i].id != want[i].first || (*got)[i].payload != want[i].second) {
            return "consumed id " + std::to_string((*got)[i].id) + ", model " +
                   std::to_string(want[i].first);
          }
        }
        if (!want.empty()) pos = want.back().first + 1;
        model_.Ack(t->second);
        return "";
      }
      case Op::kSeek: {
        const bool valid = exists && t->second.groups.count(group) && op.seek >= 0;
        if (valid) {
          t->second.groups[group] = std::min(op.seek, model_.high_water[topic] + 1);
          model_.Ack(t->second);
        }
        return Expect(mq_->Seek(topic, group, op.seek).ok(), valid);
      }
      case Op::kSeekToLatest: {
        const bool valid = exists && t->second.groups.count(group);
        if (valid) {
          t->second.groups[group] = model_.high_water[topic] + 1;
          model_.Ack(t->second);
        }
        return Expect(mq_->SeekToLatest(topic, group).ok(), valid);
      }
      case Op::kLatest: {
        auto got = mq_->GetLatestMsg(topic);
        if (!exists) return Expect(got.ok(), false);
        const int64_t want = t->second.messages.empty() ? -1 : t->second.messages.rbegin()->first;
        if (!got.ok() || *got != want) {
          return "latest " + (got.ok() ? std::to_string(*got) : got.status().ToString()) +
                 ", model " + std::to_string(want);
        }
        return "";
      }
      case Op::kRetention: {
        // Retention 0 minutes: after time passes, every acked page goes (oldest first).
        world_->Advance(sim::Duration::Minutes(1));
        for (auto& [name, mt] : model_.topics) {
          while (!mt.pages.empty() && mt.pages.begin()->second) {
            const int64_t last = mt.pages.begin()->first;
            mt.messages.erase(mt.messages.begin(), mt.messages.upper_bound(last));
            mt.pages.erase(mt.pages.begin());
          }
        }
        const absl::Status s = mq_->RunRetention();
        return s.ok() ? "" : "retention failed: " + s.ToString();
      }
      case Op::kReopen: {
        for (auto& [name, mt] : model_.topics) mt.groups.clear();  // groups live in memory
        Open();
        return "";
      }
      case Op::kKinds:
        break;
    }
    return "bad op";
  }

 private:
  static std::string Expect(bool ok, bool want_ok) {
    if (ok == want_ok) return "";
    return want_ok ? "engine failed where the model succeeds"
                   : "engine succeeded where the model fails";
  }
  void Open() {
    mq_.reset();
    auto opened = RocksMQ::Open(options_, world_->RocksMqHost());
    RC_ASSERT(opened.ok());
    mq_ = std::move(*opened);
  }

  std::unique_ptr<EngineWorld> world_;
  RocksMqOptions options_;
  std::unique_ptr<RocksMQ> mq_;
  Model model_;
  int counter_ = 0;
};

rc::Gen<Op> GenOp() {
  return rc::gen::apply(
      [](int kind, int topic, int group, int n, std::vector<int> sizes, int seek) {
        Op op;
        op.kind = static_cast<Op::Kind>(kind);
        op.topic = topic;
        op.group = group;
        op.n = n;
        op.sizes = sizes.empty() ? std::vector<int>{3} : sizes;
        op.seek = seek;
        return op;
      },
      rc::gen::weightedElement<int>({{3, Op::kCreateTopic},
                                     {1, Op::kDestroyTopic},
                                     {8, Op::kProduce},
                                     {3, Op::kCreateGroup},
                                     {1, Op::kDestroyGroup},
                                     {8, Op::kConsume},
                                     {2, Op::kSeek},
                                     {1, Op::kSeekToLatest},
                                     {2, Op::kLatest},
                                     {2, Op::kRetention},
                                     {1, Op::kReopen}}),
      rc::gen::inRange(0, 3), rc::gen::inRange(0, 2), rc::gen::inRange(1, 6),
      rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 8)), rc::gen::inRange(-1, 40));
}

void CheckSequence(EngineWorld::Kind kind) {
  rc::prop("RocksMQ behaves like the model", [kind] {
    const auto ops = *rc::gen::container<std::vector<Op>>(GenOp());
    Runner runner(kind);
    for (size_t i = 0; i < ops.size(); ++i) {
      const std::string diff = runner.Step(ops[i]);
      if (!diff.empty()) {
        std::ostringstream history;
        for (size_t j = 0; j <= i; ++j) history << "  " << ops[j] << "\n";
        RC_FAIL("step " + std::to_string(i) + " " + diff + "\n" + history.str());
      }
    }
  });
}

}  // namespace

TEST_CASE("RocksMQ against the model, simulated") { CheckSequence(EngineWorld::Kind::kSimulated); }

TEST_CASE("RocksMQ against the model, native") { CheckSequence(EngineWorld::Kind::kNative); }

}  // namespace mqsim::rocksmq
