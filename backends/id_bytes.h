// Little-endian id bytes: how RocksMQ, NATS and Kafka ids are serialized by Milvus (8
// bytes; Pulsar's ledger and entry are two of them here).
#pragma once

#include <absl/status/statusor.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace mqsim::backends {

inline std::string Le64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>(v >> (8 * i));
  return out;
}

inline uint64_t ReadLe64(std::string_view b) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[static_cast<size_t>(i)]);
  return v;
}

inline absl::StatusOr<int64_t> DecodeLe64Id(std::string_view bytes, std::string_view engine) {
  if (bytes.size() != 8) {
    return absl::InvalidArgumentError(std::string(engine) + " message id must be 8 bytes, got " +
                                      std::to_string(bytes.size()));
  }
  return static_cast<int64_t>(ReadLe64(bytes));
}

}  // namespace mqsim::backends
