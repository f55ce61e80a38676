// On-disk records of a message block, each protected by a checksum.
//
//   u32 length (whole record) | u8 kind | u64 seq | i64 ts_ns | u16 subject_len |
//   u32 headers_len | subject | headers | payload | u64 xxh3(kind .. payload)
//
// kMessage stores a message; kDelete is a tombstone for one sequence; kFirst says every
// sequence below seq is gone (purge, limit eviction, expiry). Little-endian integers.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mqsim::natsmq {

struct Record {
  enum Kind : uint8_t { kMessage = 1, kDelete = 2, kFirst = 3 } kind = kMessage;
  uint64_t seq = 0;
  int64_t ts_ns = 0;
  std::string subject;
  std::string headers;  // the NATS header block ("NATS/1.0\r\nk: v\r\n\r\n"), or empty
  std::string payload;
};

inline constexpr size_t kRecordOverhead = 4 + 1 + 8 + 8 + 2 + 4 + 8;

// Little-endian (host order on x86-64) fixed-width integers, for records and indexes.
template <class T>
void PutLe(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}
template <class T>
T GetLe(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

std::string EncodeRecord(const Record& r);

enum class DecodeResult { kOk, kTruncated, kCorrupt };
// Decodes the record at the start of data; *length is its size on success.
DecodeResult DecodeRecord(std::string_view data, Record* out, size_t* length);

// JetStream's stored size of a message (its accounting for Bytes and MaxBytes):
// 30 + subject + payload, or 34 + subject + headers + payload with headers.
uint64_t StoredBytes(size_t subject, size_t headers, size_t payload);

// The NATS header block for key/value pairs, in the given order.
std::string EncodeHeaders(const std::vector<std::pair<std::string, std::string>>& headers);

}  // namespace mqsim::natsmq
