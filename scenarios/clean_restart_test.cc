// RefusedAfterClose: a closed store that answers any call is a `shutdown` violation naming
// the call; one that refuses every call passes.
#include "scenarios/clean_restart.h"

#include <catch2/catch.hpp>

#include "backends/memory_queue.h"
#include "properties/property.h"

namespace mqsim::scenarios {
namespace {

using backends::MemoryQueue;
using backends::MessageId;

// The reference model, except that it still answers GetLatestMsg after Close.
class AnswersAfterClose : public MemoryQueue {
 public:
  absl::StatusOr<MessageId> GetLatestMsg(const std::string&) override { return MessageId{0}; }
};

TEST_CASE("A closed store that refuses every call passes") {
  MemoryQueue q;
  REQUIRE(q.CreateTopic("t").ok());
  REQUIRE(q.Produce("t", "m").ok());
  REQUIRE(q.Close().ok());
  CHECK_FALSE(RefusedAfterClose(q, "t").has_value());
}

TEST_CASE("A closed store that still answers a call is a shutdown violation naming it") {
  AnswersAfterClose q;
  REQUIRE(q.CreateTopic("t").ok());
  REQUIRE(q.Close().ok());
  const auto v = RefusedAfterClose(q, "t");
  REQUIRE(v.has_value());
  CHECK(v->property == properties::Property::kShutdown);
  CHECK(v->detail.find("GetLatestMsg(\"t\") after Close answered OK") != std::string::npos);
}

TEST_CASE("A store that was never closed fails at the first call") {
  MemoryQueue q;
  const auto v = RefusedAfterClose(q, "t");
  REQUIRE(v.has_value());
  CHECK(v->detail.find("CreateTopic") == 0);
}

}  // namespace
}  // namespace mqsim::scenarios
