#include "storage/natsmq/record.h"

#include <xxhash.h>

#include <cstring>
#include <vector>

namespace mqsim::natsmq {

std::string EncodeRecord(const Record& r) {
  std::string out;
  const size_t length = kRecordOverhead + r.subject.size() + r.headers.size() + r.payload.size();
  out.reserve(length);
  PutLe<uint32_t>(out, static_cast<uint32_t>(length));
  PutLe<uint8_t>(out, r.kind);
  PutLe<uint64_t>(out, r.seq);
  PutLe<int64_t>(out, r.ts_ns);
  PutLe<uint16_t>(out, static_cast<uint16_t>(r.subject.size()));
  PutLe<uint32_t>(out, static_cast<uint32_t>(r.headers.size()));
  out += r.subject;
  out += r.headers;
  out += r.payload;
  PutLe<uint64_t>(out, XXH3_64bits(out.data() + 4, out.size() - 4));
  return out;
}

DecodeResult DecodeRecord(std::string_view data, Record* out, size_t* length) {
  if (data.size() < 4) return DecodeResult::kTruncated;
  const uint32_t len = GetLe<uint32_t>(data.data());
  if (len < kRecordOverhead) return DecodeResult::kCorrupt;
  if (len > data.size()) return DecodeResult::kTruncated;
  const char* p = data.data();
  const uint64_t checksum = GetLe<uint64_t>(p + len - 8);
  if (XXH3_64bits(p + 4, len - 12) != checksum) return DecodeResult::kCorrupt;
  const uint8_t kind = GetLe<uint8_t>(p + 4);
  if (kind < Record::kMessage || kind > Record::kFirst) return DecodeResult::kCorrupt;
  const uint16_t subject_len = GetLe<uint16_t>(p + 21);
  const uint32_t headers_len = GetLe<uint32_t>(p + 23);
  if (static_cast<size_t>(subject_len) + headers_len > len - kRecordOverhead) {
    return DecodeResult::kCorrupt;
  }
  out->kind = static_cast<Record::Kind>(kind);
  out->seq = GetLe<uint64_t>(p + 5);
  out->ts_ns = GetLe<int64_t>(p + 13);
  const char* body = p + 27;
  out->subject.assign(body, subject_len);
  out->headers.assign(body + subject_len, headers_len);
  out->payload.assign(body + subject_len + headers_len,
                      len - kRecordOverhead - subject_len - headers_len);
  *length = len;
  return DecodeResult::kOk;
}

uint64_t StoredBytes(size_t subject, size_t headers, size_t payload) {
  return headers == 0 ? 30 + subject + payload : 34 + subject + headers + payload;
}

std::string EncodeHeaders(const std::vector<std::pair<std::string, std::string>>& headers) {
  if (headers.empty()) return "";
  std::string out = "NATS/1.0\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  return out + "\r\n";
}

}  // namespace mqsim::natsmq
