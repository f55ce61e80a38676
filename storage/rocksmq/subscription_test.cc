// Push consumers (subscription.h): every produced message reaches an application that keeps
// reading, a full buffer resumes as soon as the application makes room, and bug mode
// lost_wakeup leaves messages in the store until another produce. Natively and simulated.
#include "storage/rocksmq/subscription.h"

#include <catch2/catch.hpp>

#include "base/bug_modes.h"
#include "storage/rocksmq/rocksmq.h"
#include "tests/engine_world.h"

namespace mqsim::rocksmq {
namespace {

using testing::EngineWorld;

struct Fixture {
  explicit Fixture(EngineWorld::Kind kind) : world(EngineWorld::Make(kind)) {
    RocksMqOptions o;
    o.path = world->Dir() + "/rdb_data";
    auto opened = RocksMQ::Open(o, world->RocksMqHost());
    REQUIRE(opened.ok());
    mq = std::move(*opened);
    REQUIRE(mq->CreateTopic("t").ok());
    REQUIRE(mq->CreateConsumerGroup("t", "g").ok());
    auto s = mq->Subscribe("t", "g", SubscriptionOptions{4, 2, [this] { ++wakes; }, nullptr});
    REQUIRE(s.ok());
    sub = *s;
  }
  void Produce(int n) {
    std::vector<std::string> p;
    for (int i = 0; i < n; ++i) p.push_back("m" + std::to_string(produced++));
    REQUIRE(mq->Produce("t", p).ok());
  }
  // The application reads up to 3; returns the payloads.
  std::vector<std::string> Receive() {
    auto got = sub->Receive(3);
    REQUIRE(got.ok());
    std::vector<std::string> out;
    for (auto& m : *got) out.push_back(m.payload);
    return out;
  }
  std::unique_ptr<EngineWorld> world;
  std::unique_ptr<RocksMQ> mq;
  std::shared_ptr<Subscription> sub;
  int wakes = 0;
  int produced = 0;
};

TEST_CASE("A push consumer delivers everything; a full buffer resumes when the application reads") {
  Fixture f(GENERATE(EngineWorld::Kind::kNative, EngineWorld::Kind::kSimulated));
  CHECK(f.wakes == 1);  // a new subscription looks once
  f.sub->Deliver();
  CHECK(f.sub->buffered() == 0);
  f.Produce(10);
  CHECK(f.wakes == 2);
  f.sub->Deliver();
  CHECK(f.sub->buffered() == 4);  // full: the task waits for room
  f.Produce(1);                   // signalled while full
  f.sub->Deliver();
  CHECK(f.sub->buffered() == 4);
  // From here on nobody produces: reading alone must bring every message through.
  std::vector<std::string> all;
  for (int round = 0; round < 20 && all.size() < 11; ++round) {
    const int before = f.wakes;
    const std::vector<std::string> got = f.Receive();
    all.insert(all.end(), got.begin(), got.end());
    if (f.wakes > before) f.sub->Deliver();  // the host runs the task when woken
  }
  REQUIRE(all.size() == 11);
  for (int i = 0; i < 11; ++i) CHECK(all[static_cast<size_t>(i)] == "m" + std::to_string(i));
}

TEST_CASE("Bug mode lost_wakeup: after a full buffer, messages wait for the next produce") {
  Fixture f(EngineWorld::Kind::kSimulated);
  base::SetBugs(base::BugMask(base::Bug::kLostWakeup));
  f.Produce(10);
  f.sub->Deliver();
  CHECK(f.sub->buffered() == 4);
  f.Produce(1);  // dropped: the buffer is full
  std::vector<std::string> all;
  for (int round = 0; round < 20; ++round) {
    const std::vector<std::string> got = f.Receive();
    all.insert(all.end(), got.begin(), got.end());
    f.sub->Deliver();  // even a polling host gets nothing: the signal is gone
  }
  CHECK(all.size() == 4);
  f.Produce(1);  // only a new produce brings more: one buffer-full, which is lost again
  for (int round = 0; round < 20; ++round) {
    f.sub->Deliver();
    const std::vector<std::string> got = f.Receive();
    all.insert(all.end(), got.begin(), got.end());
  }
  CHECK(all.size() == 8);
  base::SetBugs(0);
}

TEST_CASE("A subscription closes with its topic, its group and the engine") {
  Fixture f(EngineWorld::Kind::kSimulated);
  REQUIRE(f.mq->CreateTopic("u").ok());
  REQUIRE(f.mq->CreateConsumerGroup("u", "h").ok());
  auto other = f.mq->Subscribe("u", "h", SubscriptionOptions{4, 2, nullptr, nullptr});
  REQUIRE(other.ok());
  CHECK_FALSE(f.mq->Subscribe("t", "missing", SubscriptionOptions{}).ok());
  CHECK_FALSE(f.mq->Subscribe("t", "g", SubscriptionOptions{0, 2, nullptr, nullptr}).ok());
  REQUIRE(f.mq->DestroyConsumerGroup("u", "h").ok());
  CHECK((*other)->Receive(1).status().code() == absl::StatusCode::kFailedPrecondition);
  f.Produce(2);
  f.sub->Deliver();
  REQUIRE(f.mq->DestroyTopic("t").ok());
  CHECK(f.Receive().size() == 2);  // what was buffered can still be taken
  CHECK(f.sub->Receive(1).status().code() == absl::StatusCode::kFailedPrecondition);
  f.mq.reset();  // the engine goes before the subscription: it must not dangle
  f.sub->Deliver();
}

}  // namespace
}  // namespace mqsim::rocksmq
