#include "storage/rocksmq/key_codec.h"

#include <charconv>

#include "base/bug_modes.h"

namespace mqsim::rocksmq {

std::string EncodeU64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

std::optional<uint64_t> DecodeU64(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

std::string MessagePrefix(std::string_view topic) { return std::string(topic) + "/"; }

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  end.back() = static_cast<char>(end.back() + 1);
  return end;
}

std::string MessageKey(std::string_view topic, int64_t id) {
  // Bug mode decimal_keys: ids as decimal text, so "10" sorts before "9".
  if (MQSIM_BUG(kDecimalKeys)) return MessagePrefix(topic) + std::to_string(id);
  return MessagePrefix(topic) + EncodeU64(static_cast<uint64_t>(id));
}

MessageKeyBuilder::MessageKeyBuilder(std::string_view topic)
    : key_(MessagePrefix(topic)), prefix_size_(key_.size()) {
  key_.reserve(prefix_size_ + 20);  // 8 bytes, or up to 20 decimal digits (bug mode)
}

std::string_view MessageKeyBuilder::Key(int64_t id) {
  key_.resize(prefix_size_);
  if (MQSIM_BUG(kDecimalKeys)) {
    key_ += std::to_string(id);  // as MessageKey in bug mode decimal_keys
    return key_;
  }
  auto v = static_cast<uint64_t>(id);
  key_.resize(prefix_size_ + 8);
  for (size_t i = 8; i-- > 0;) {
    key_[prefix_size_ + i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return key_;
}

std::optional<int64_t> MessageIdOf(std::string_view key, std::string_view prefix) {
  if (MQSIM_BUG(kDecimalKeys)) {
    if (key.substr(0, prefix.size()) != prefix) return std::nullopt;
    int64_t id = 0;
    const std::string_view digits = key.substr(prefix.size());
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return id;
  }
  if (key.size() != prefix.size() + 8 || key.substr(0, prefix.size()) != prefix) {
    return std::nullopt;
  }
  return static_cast<int64_t>(*DecodeU64(key.substr(prefix.size())));
}

std::string HighWaterKey(std::string_view topic) { return "/hwm/" + std::string(topic); }
std::string ReservationKey(std::string_view topic) { return "/idres/" + std::string(topic); }
std::string OpenPageKey(std::string_view topic) { return "/open/" + std::string(topic); }
std::string PagePrefix(std::string_view topic) { return "/page/" + std::string(topic) + "/"; }
std::string PageKey(std::string_view topic, int64_t last_id) {
  return PagePrefix(topic) + EncodeU64(static_cast<uint64_t>(last_id));
}

std::string EncodePage(const PageRecord& page) {
  return EncodeU64(static_cast<uint64_t>(page.first_id)) + EncodeU64(page.bytes) +
         EncodeU64(static_cast<uint64_t>(page.close_ms)) +
         EncodeU64(static_cast<uint64_t>(page.ack_ms));
}

std::optional<PageRecord> DecodePage(std::string_view bytes) {
  if (bytes.size() != 32) return std::nullopt;
  PageRecord p;
  p.first_id = static_cast<int64_t>(*DecodeU64(bytes.substr(0, 8)));
  p.bytes = *DecodeU64(bytes.substr(8, 8));
  p.close_ms = static_cast<int64_t>(*DecodeU64(bytes.substr(16, 8)));
  p.ack_ms = static_cast<int64_t>(*DecodeU64(bytes.substr(24, 8)));
  return p;
}

std::string TopicKey(std::string_view topic) {
  return std::string(kTopicKeyPrefix) + std::string(topic);
}

}  // namespace mqsim::rocksmq
