// Key layout of the two RocksDB databases.
//
// Message DB (<path>):
//   <topic> "/" <id: 8 bytes big-endian>     -> payload   (key order == id order)
//   "/hwm/" <topic>                          -> checkpoint: last id then (8 bytes BE)
//   "/idres/" <topic>                        -> ids reserved up to (8 bytes BE, synced)
//   "/open/" <topic>                         -> checkpoint: bytes in the open page then
//   "/page/" <topic> "/" <last id: 8 BE>     -> PageRecord (32 bytes)
// Topic names never contain '/', so no message key starts with '/' and every per-topic
// prefix is unambiguous ("channel_tes/" is not a prefix of "channel_test/..."). Messages and
// the page bookkeeping that describes them are written in one WriteBatch, so they are
// consistent after any crash. "/hwm/" and "/open/" are a checkpoint, written together with
// the messages up to the id they name: at every page close, at least every 1 MiB or 1024
// messages, and at a clean close. The messages after it are the rest of the high-water mark
// and the open page (recovery counts them), so a Produce in between writes messages only.
//
// Meta DB (<path>_meta_kv):
//   "topic/" <topic>                         -> creation time, ms (8 bytes BE)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mqsim::rocksmq {

struct PageRecord {
  int64_t first_id = 0;  // the page holds ids first_id..last id (its key)
  uint64_t bytes = 0;    // payload bytes of the page's messages
  int64_t close_ms = 0;  // when the page closed
  int64_t ack_ms = 0;    // when every group had read past it; 0: not acked
};

std::string EncodeU64(uint64_t v);
std::optional<uint64_t> DecodeU64(std::string_view bytes);

std::string MessagePrefix(std::string_view topic);
// The first key above every key that starts with `prefix` (which ends in '/'): an
// iterator's upper bound, or a DeleteRange end.
std::string PrefixEnd(std::string_view prefix);
std::string MessageKey(std::string_view topic, int64_t id);
// MessageKey for many ids of one topic, built in one buffer (no allocation per key).
class MessageKeyBuilder {
 public:
  explicit MessageKeyBuilder(std::string_view topic);
  // The key of id; valid until the next call.
  std::string_view Key(int64_t id);

 private:
  std::string key_;
  size_t prefix_size_;
};
// The id of a message key with the given prefix; nullopt if malformed.
std::optional<int64_t> MessageIdOf(std::string_view key, std::string_view prefix);

std::string HighWaterKey(std::string_view topic);
std::string ReservationKey(std::string_view topic);
std::string OpenPageKey(std::string_view topic);
std::string PagePrefix(std::string_view topic);
std::string PageKey(std::string_view topic, int64_t last_id);

std::string EncodePage(const PageRecord& page);
std::optional<PageRecord> DecodePage(std::string_view bytes);

std::string TopicKey(std::string_view topic);
inline constexpr std::string_view kTopicKeyPrefix = "topic/";

}  // namespace mqsim::rocksmq
