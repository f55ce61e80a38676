#include "scenarios/aligned_payload.h"

#include <catch2/catch.hpp>

#include "properties/retention_checkers.h"

namespace mqsim::scenarios {

using backends::MqType;

TEST_CASE("rocksmq: the largest payload length in range that divides the page size") {
  backends::MilvusMqConfig c;
  c.rocksmq.page_size_bytes = 4096;
  const std::vector<ByteBoundary> b = ByteBoundaries(MqType::kRocksMq, c, "t", true);
  REQUIRE(b.size() == 1);
  CHECK(AlignedPayloadBytes(b[0], 16, 600) == 512);
  CHECK(AlignedPayloadBytes(b[0], 16, 4096) == 4096);
  CHECK(AlignedPayloadBytes(b[0], 600, 1000) == 0);     // no divisor there
  CHECK(AlignedPayloadBytes({4099, 0}, 16, 600) == 0);  // prime: only 1 and itself divide it
}

TEST_CASE("natsmq: the stored size (subject and overhead included) divides MaxBytes") {
  backends::MilvusMqConfig c;
  CHECK(ByteBoundaries(MqType::kNatsMq, c, "topic", false).empty());  // no MaxBytes
  c.natsmq.retention_max_bytes = 65536;
  const std::string topic = "by-dev-rootcoord-dml_0";
  const std::vector<ByteBoundary> b = ByteBoundaries(MqType::kNatsMq, c, topic, false);
  REQUIRE(b.size() == 1);
  const int64_t p = AlignedPayloadBytes(b[0], 16, 400);
  REQUIRE(p > 0);
  const uint64_t stored = properties::JetStreamStoredBytes(topic.size(), 0, static_cast<size_t>(p));
  CHECK(65536 % stored == 0);
  CHECK(stored == 256);  // the largest power of two whose payload fits in 400
}

TEST_CASE("natsmq with a push consumer: maxPending counts payload bytes") {
  backends::MilvusMqConfig c;
  c.natsmq.max_pending_bytes = 8192;
  const std::vector<ByteBoundary> only = ByteBoundaries(MqType::kNatsMq, c, "t", true);
  REQUIRE(only.size() == 1);  // MaxBytes unset: only the buffer's bound
  CHECK(only[0].bytes == 8192);
  CHECK(AlignedPayloadBytes(only[0], 16, 600) == 512);
  c.natsmq.retention_max_bytes = 65536;
  const std::vector<ByteBoundary> both = ByteBoundaries(MqType::kNatsMq, c, "t", true);
  REQUIRE(both.size() == 2);
  CHECK(both[0].bytes == 65536);  // MaxBytes first, then maxPending
  CHECK(both[1].bytes == 8192);
  CHECK(ByteBoundaries(MqType::kNatsMq, c, "t", false).size() == 1);  // no push consumer
}

TEST_CASE("Stores without byte boundaries get no aligned length") {
  backends::MilvusMqConfig c;
  CHECK(ByteBoundaries(MqType::kModel, c, "t", true).empty());
  c.rocksmq.page_size_bytes = 0;
  CHECK(ByteBoundaries(MqType::kRocksMq, c, "t", true).empty());
}

TEST_CASE("A padded payload has exactly the length asked, unless its prefix is longer") {
  CHECK(PaddedPayload("m12:", 10) == "m12:xxxxxx");
  CHECK(PaddedPayload("m12:", 4) == "m12:");
  CHECK(PaddedPayload("m12345:", 3) == "m12345:");
}

}  // namespace mqsim::scenarios
