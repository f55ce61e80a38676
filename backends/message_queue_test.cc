// Every MessageQueue adapter against the reference model: the same seeded script of
// produce, consume, seek (to a produced message, to latest), latest, group and topic churn
// runs on the model and on each store, and every observable result must match (payloads
// in order, errors where the model errs, latest). Ids differ by engine, so seeks name "the
// k-th message of the topic" and each store uses its own id for it. Then the parts that are
// engine-specific: id schemes, size limits and tagged positions.
#include <catch2/catch.hpp>
#include <map>

#include "backends/memory_queue.h"
#include "backends/natsmq_queue.h"
#include "backends/position.h"
#include "backends/rocksmq_queue.h"
#include "sim/random.h"
#include "sim/rocksdb_interpose.h"
#include "tests/engine_world.h"

namespace mqsim::backends {
namespace {

using testing::EngineWorld;

struct Store {
  std::unique_ptr<EngineWorld> world;  // declared first: outlives mq
  std::unique_ptr<MessageQueue> mq;
};

Store Make(MqType type, EngineWorld::Kind kind = EngineWorld::Kind::kSimulated) {
  Store s;
  sim::ResetRocksDbInternals(1);
  s.world = EngineWorld::Make(kind, 1);
  switch (type) {
    case MqType::kRocksMq: {
      rocksmq::RocksMqOptions o;
      o.path = s.world->Dir() + "/rmq";
      o.retention_time_minutes = -1;
      o.retention_size_mb = -1;
      auto mq = rocksmq::RocksMQ::Open(o, s.world->RocksMqHost());
      REQUIRE(mq.ok());
      s.mq = std::make_unique<RocksMqQueue>(std::move(*mq));
      break;
    }
    case MqType::kNatsMq: {
      natsmq::NatsMqOptions o;
      o.store_dir = s.world->Dir() + "/nats";
      auto st = natsmq::NatsStore::Open(
          o, natsmq::NatsHost{s.world->FileSystem(), s.world->Clock(), s.world->Waker()});
      REQUIRE(st.ok());
      s.mq = std::make_unique<NatsQueue>(std::move(*st), o);
      break;
    }
    default:
      s.mq = std::make_unique<MemoryQueue>(MemoryQueueOptions{.type = type});
      break;
  }
  return s;
}

// One store as the script sees it: its ids for the k-th message of each topic.
struct Side {
  MessageQueue* mq;
  std::map<std::string, std::vector<MessageId>> ids;
  std::map<std::string, std::map<MessageId, std::string>> payload_of;  // ids are per topic
};

std::string Payloads(const absl::StatusOr<std::vector<Message>>& r) {
  if (!r.ok()) return "error";
  std::string out;
  for (const Message& m : *r) out += m.payload + ",";
  return out;
}

void RunScript(MqType type, uint64_t seed) {
  Store model_store = Make(MqType::kModel);
  Store engine_store = Make(type);
  Side model{model_store.mq.get(), {}, {}};
  Side engine{engine_store.mq.get(), {}, {}};
  sim::Random rng(seed);
  const std::vector<std::string> topics = {"by-dev-rootcoord-dml_0", "by-dev-rootcoord-dml_1"};
  const std::vector<std::string> groups = {"g1", "g2"};
  for (const std::string& t : topics) {
    for (Side* s : {&model, &engine}) {
      REQUIRE(s->mq->CreateTopic(t).ok());
      for (const std::string& g : groups) REQUIRE(s->mq->CreateConsumerGroup(t, g).ok());
    }
  }
  int produced = 0;
  for (int step = 0; step < 600; ++step) {
    const std::string& t = topics[rng.Below(topics.size())];
    const std::string& g = groups[rng.Below(groups.size())];
    const uint64_t op = rng.Below(100);
    INFO("seed " << seed << " step " << step << " op " << op << " topic " << t << " group " << g);
    if (op < 45) {
      const std::string payload = "m" + std::to_string(produced++);
      for (Side* s : {&model, &engine}) {
        absl::StatusOr<MessageId> id = s->mq->Produce(t, payload);
        REQUIRE(id.ok());
        if (!s->ids[t].empty()) CHECK(*id > s->ids[t].back());
        s->ids[t].push_back(*id);
        s->payload_of[t][*id] = payload;
      }
    } else if (op < 75) {
      const int n = static_cast<int>(rng.Uniform(1, 10));
      CHECK(Payloads(engine.mq->Consume(t, g, n)) == Payloads(model.mq->Consume(t, g, n)));
    } else if (op < 83) {
      if (model.ids[t].empty()) continue;
      const size_t k = rng.Below(model.ids[t].size());
      for (Side* s : {&model, &engine}) REQUIRE(s->mq->Seek(t, g, s->ids[t][k]).ok());
    } else if (op < 88) {
      for (Side* s : {&model, &engine}) REQUIRE(s->mq->SeekToLatest(t, g).ok());
    } else if (op < 94) {
      absl::StatusOr<MessageId> a = model.mq->GetLatestMsg(t);
      absl::StatusOr<MessageId> b = engine.mq->GetLatestMsg(t);
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      CHECK((*a == kNoMessage) == (*b == kNoMessage));
      if (*a != kNoMessage) CHECK(engine.payload_of[t][*b] == model.payload_of[t][*a]);
    } else if (op < 97) {
      CHECK(absl::IsAlreadyExists(engine.mq->CreateConsumerGroup(t, g)));
      for (Side* s : {&model, &engine}) {
        REQUIRE(s->mq->DestroyConsumerGroup(t, g).ok());
        REQUIRE(s->mq->CreateConsumerGroup(t, g).ok());  // back at the earliest message
      }
    } else {
      for (Side* s : {&model, &engine}) {
        REQUIRE(s->mq->DestroyTopic(t).ok());
        REQUIRE(s->mq->CreateTopic(t).ok());
        s->ids[t].clear();
        s->payload_of[t].clear();
        for (const std::string& grp : groups) REQUIRE(s->mq->CreateConsumerGroup(t, grp).ok());
        absl::StatusOr<MessageId> latest = s->mq->GetLatestMsg(t);
        REQUIRE(latest.ok());
        CHECK(*latest == kNoMessage);  // a re-created topic starts empty
      }
    }
  }
  for (Side* s : {&model, &engine}) REQUIRE(s->mq->Close().ok());
}

TEST_CASE("Every store behaves as the reference model") {
  const MqType type = GENERATE(MqType::kRocksMq, MqType::kNatsMq, MqType::kKafka, MqType::kPulsar);
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    INFO(ToString(type));
    RunScript(type, seed);
  }
}

TEST_CASE("Id schemes: Kafka offsets from 0, Pulsar ledgers roll, positions in their own bytes") {
  MemoryQueue kafka(MemoryQueueOptions{.type = MqType::kKafka});
  REQUIRE(kafka.CreateTopic("t").ok());
  CHECK(*kafka.Produce("t", "a") == 0);
  CHECK(*kafka.Produce("t", "b") == 1);
  CHECK(kafka.EncodeId(1).size() == 8);

  MemoryQueue pulsar(MemoryQueueOptions{.type = MqType::kPulsar, .entries_per_ledger = 2});
  REQUIRE(pulsar.CreateTopic("t").ok());
  std::vector<MessageId> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(*pulsar.Produce("t", "x"));
  CHECK(ids[0] == (MessageId{7} << 32));
  CHECK(ids[1] == ((MessageId{7} << 32) | 1));
  CHECK(ids[2] == (MessageId{8} << 32));  // a new ledger
  CHECK(pulsar.EncodeId(ids[2]).size() == 16);
  CHECK(*pulsar.DecodeId(pulsar.EncodeId(ids[3])) == ids[3]);
  REQUIRE(pulsar.CreateConsumerGroup("t", "g").ok());
  REQUIRE(pulsar.Seek("t", "g", ids[1] + 1).ok());  // the end of a ledger: next one
  CHECK(pulsar.Consume("t", "g", 1)->front().id == ids[2]);
}

TEST_CASE("Pulsar and Kafka reject messages above their maximum size") {
  MemoryQueue pulsar(MemoryQueueOptions{.type = MqType::kPulsar, .max_message_bytes = 100});
  REQUIRE(pulsar.CreateTopic("t").ok());
  CHECK(pulsar.Produce("t", std::string(100, 'x')).ok());
  const absl::StatusOr<MessageId> big = pulsar.Produce("t", std::string(101, 'x'));
  CHECK(absl::IsInvalidArgument(big.status()));
  CHECK(std::string(big.status().message()).find("MessageTooBig") != std::string::npos);
  CHECK(*pulsar.GetLatestMsg("t") == (MessageId{7} << 32));  // nothing was stored
  MemoryQueue kafka(MemoryQueueOptions{.type = MqType::kKafka, .max_message_bytes = 10});
  REQUIRE(kafka.CreateTopic("t").ok());
  CHECK(std::string(kafka.Produce("t", std::string(11, 'x')).status().message())
            .find("MSG_SIZE_TOO_LARGE") != std::string::npos);
}

TEST_CASE("rocksmq takes several messages in one call; the other stores one per call") {
  Store rocks = Make(MqType::kRocksMq);
  REQUIRE(rocks.mq->CreateTopic("t").ok());
  REQUIRE(rocks.mq->CreateConsumerGroup("t", "g").ok());
  const absl::StatusOr<std::vector<MessageId>> ids = rocks.mq->ProduceMany("t", {"a", "b", "c"});
  REQUIRE(ids.ok());
  CHECK(*ids == std::vector<MessageId>{1, 2, 3});
  CHECK(Payloads(rocks.mq->Consume("t", "g", 5)) == "a,b,c,");
  CHECK(absl::IsInvalidArgument(rocks.mq->ProduceMany("t", {}).status()));
  for (MqType other : {MqType::kNatsMq, MqType::kModel, MqType::kPulsar}) {
    Store s = Make(other);
    REQUIRE(s.mq->CreateTopic("t").ok());
    CHECK(absl::IsUnimplemented(s.mq->ProduceMany("t", {"a", "b"}).status()));
    CHECK(*s.mq->GetLatestMsg("t") == kNoMessage);  // nothing was stored
  }
}

TEST_CASE("Positions are tagged: a foreign position is rejected, or latest when ignored") {
  Store rocks = Make(MqType::kRocksMq);
  Store nats = Make(MqType::kNatsMq);
  for (Store* s : {&rocks, &nats}) {
    REQUIRE(s->mq->CreateTopic("ch").ok());
    REQUIRE(s->mq->CreateConsumerGroup("ch", "g").ok());
    for (int i = 0; i < 5; ++i) REQUIRE(s->mq->Produce("ch", "m" + std::to_string(i)).ok());
  }
  const MessageId third_rocks = 3;  // rocksmq ids start at 1 on a fresh store
  const std::string pos = EncodePosition(*rocks.mq, third_rocks);
  CHECK(*DecodePosition(*rocks.mq, pos) == third_rocks);
  // Both engines write 8 little-endian bytes: without the tag nats would read seq 3.
  CHECK(rocks.mq->EncodeId(3) == nats.mq->EncodeId(3));
  const absl::StatusOr<MessageId> foreign = DecodePosition(*nats.mq, pos);
  CHECK(absl::IsFailedPrecondition(foreign.status()));
  CHECK(std::string(foreign.status().message()).find("written by rocksmq") != std::string::npos);
  std::string warning;
  CHECK(absl::IsFailedPrecondition(SeekAfterPosition(*nats.mq, "ch", "g", pos, false, &warning)));
  CHECK(warning.empty());
  REQUIRE(SeekAfterPosition(*nats.mq, "ch", "g", pos, true, &warning).ok());
  CHECK(warning.find("mq.ignoreBadPosition") != std::string::npos);
  CHECK(nats.mq->Consume("ch", "g", 10)->empty());  // at latest
  REQUIRE(nats.mq->Produce("ch", "new").ok());
  CHECK(nats.mq->Consume("ch", "g", 10)->front().payload == "new");
  // Its own position resumes after the checkpointed message.
  REQUIRE(SeekAfterPosition(*rocks.mq, "ch", "g", pos, false, nullptr).ok());
  CHECK(rocks.mq->Consume("ch", "g", 1)->front().payload == "m3");
  CHECK(absl::IsInvalidArgument(DecodePosition(*rocks.mq, "garbage").status()));
}

}  // namespace
}  // namespace mqsim::backends
