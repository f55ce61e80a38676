#include "node/native_node.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "storage/rocksmq/rocksmq.h"

namespace mqsim::node {
namespace {

TEST_CASE("a manual node runs interval jobs at their due times, in order, during Advance") {
  NativeNode node;
  std::vector<std::pair<std::string, int64_t>> runs;
  const int64_t start = node.NowMicros();
  auto job = [&](const char* name, int64_t us) {
    return storage::PeriodicJob{name, us, nullptr, [&runs, &node, name] {
                                  runs.emplace_back(name, node.NowMicros());
                                  return absl::OkStatus();
                                }};
  };
  node.StartJobs({job("a", 3'000'000), job("b", 5'000'000)});
  node.Advance(sim::Duration::Seconds(10));
  const std::vector<std::pair<std::string, int64_t>> want = {{"a", start + 3'000'000},
                                                             {"b", start + 5'000'000},
                                                             {"a", start + 6'000'000},
                                                             {"a", start + 9'000'000},
                                                             {"b", start + 10'000'000}};
  CHECK(runs == want);
  CHECK(node.NowMicros() == start + 10'000'000);
  node.StopJobs();
  node.Advance(sim::Duration::Seconds(10));
  CHECK(runs.size() == want.size());
}

TEST_CASE("a manual node retries a deadline its job could not meet a millisecond later") {
  NativeNode node;
  const int64_t deadline = node.NowMicros() + 1'000'000;
  int runs = 0;
  node.StartJobs({storage::PeriodicJob{"stuck", 0, [&] { return std::optional(deadline); },
                                       [&] {
                                         ++runs;
                                         return absl::OkStatus();
                                       }}});
  node.Advance(sim::Duration::Millis(1'010));  // due at 1 s, then every 1 ms: 11 runs
  CHECK(runs == 11);
}

TEST_CASE("a node makes its own directory and removes it; RocksMQ runs in it") {
  std::string dir;
  {
    NativeNode node;
    dir = node.dir();
    REQUIRE(std::filesystem::is_directory(dir));
    rocksmq::RocksMqOptions o;
    o.path = dir + "/rdb_data";
    auto mq = rocksmq::RocksMQ::Open(o, node.RocksMqHost());
    REQUIRE(mq.ok());
    REQUIRE((*mq)->CreateTopic("t").ok());
    REQUIRE((*mq)->Produce("t", std::vector<std::string>{"hello"}).ok());
    node.StartJobs((*mq)->PeriodicJobs());
    node.Advance(sim::Duration::Minutes(30));  // retention passes run on this thread
    node.StopJobs();
    REQUIRE((*mq)->Close().ok());
  }
  CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("a real-clock node runs a due job on its thread and stops it") {
  NativeNode node(NativeNodeOptions{.clock = NativeNodeOptions::Clock::kReal, .dir = ""});
  std::atomic<int> runs{0};
  std::atomic<bool> due{true};
  node.StartJobs({storage::PeriodicJob{"once", 0,
                                       [&]() -> std::optional<int64_t> {
                                         if (!due) return std::nullopt;
                                         return 0;  // long past
                                       },
                                       [&] {
                                         due = false;
                                         ++runs;
                                         return absl::OkStatus();
                                       }}});
  // Liveness, not timing: wait as long as it takes (the test's own timeout bounds it).
  while (runs.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  node.StopJobs();
  CHECK(runs.load() == 1);
}

}  // namespace
}  // namespace mqsim::node
