#include "scenarios/aligned_payload.h"

#include <catch2/catch.hpp>

#include "properties/retention_checkers.h"

namespace mqsim::scenarios {

using backends::MqType;

TEST_CASE("rocksmq: the largest payload length in range that divides the page size") {
  backends::MilvusMqConfig c;
  c.rocksmq.page_size_bytes = 4096;
  CHECK(AlignedPayloadBytes(MqType::kRocksMq, c, "t", 16, 600) == 512);
  CHECK(AlignedPayloadBytes(MqType::kRocksMq, c, "t", 16, 4096) == 4096);
  CHECK(AlignedPayloadBytes(MqType::kRocksMq, c, "t", 600, 1000) == 0);  // no divisor there
  c.rocksmq.page_size_bytes = 4099;  // prime: only 1 and itself divide it
  CHECK(AlignedPayloadBytes(MqType::kRocksMq, c, "t", 16, 600) == 0);
}

TEST_CASE("natsmq: the stored size (subject and overhead included) divides MaxBytes") {
  backends::MilvusMqConfig c;
  CHECK(AlignedPayloadBytes(MqType::kNatsMq, c, "topic", 16, 400) == 0);  // no MaxBytes
  c.natsmq.retention_max_bytes = 65536;
  const std::string topic = "by-dev-rootcoord-dml_0";
  const int64_t p = AlignedPayloadBytes(MqType::kNatsMq, c, topic, 16, 400);
  REQUIRE(p > 0);
  const uint64_t stored = properties::JetStreamStoredBytes(topic.size(), 0, static_cast<size_t>(p));
  CHECK(65536 % stored == 0);
  CHECK(stored == 256);  // the largest power of two whose payload fits in 400
}

TEST_CASE("Stores without byte boundaries get no aligned length") {
  backends::MilvusMqConfig c;
  CHECK(AlignedPayloadBytes(MqType::kModel, c, "t", 16, 600) == 0);
}

TEST_CASE("A padded payload has exactly the length asked, unless its prefix is longer") {
  CHECK(PaddedPayload("m12:", 10) == "m12:xxxxxx");
  CHECK(PaddedPayload("m12:", 4) == "m12:");
  CHECK(PaddedPayload("m12345:", 3) == "m12345:");
}

}  // namespace mqsim::scenarios
