// NatsMqOptions: the `natsmq:` section of milvus.yaml (server limits, default stream
// retention), mqsim's sync policy, and StreamConfig (one JetStream stream per topic).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mqsim::natsmq {

enum class Discard { kOld, kNew };

// A stream's limits; -1 / 0 mean unlimited as in JetStream.
struct StreamConfig {
  std::string name;  // stream name == subject == topic
  int64_t max_msgs = -1;
  int64_t max_bytes = -1;
  int64_t max_age_ns = 0;
  int32_t max_msg_size = -1;
  Discard discard = Discard::kOld;
};

struct NatsMqOptions {
  // natsmq.server.*
  int port = 4222;                                 // accepted; the store has no network
  std::string store_dir = "/var/lib/milvus/nats";  // server.storeDir
  int64_t max_file_store_bytes = 17179869184;      // server.maxFileStore
  int64_t max_payload_bytes = 8388608;             // server.maxPayload
  int64_t max_pending_bytes = 67108864;            // server.maxPending (per subscriber)
  int64_t initialize_timeout_ms = 4000;            // server.initializeTimeout
  // natsmq.server.monitor.* (accepted, only recorded)
  bool monitor_trace = false;
  bool monitor_debug = false;
  bool monitor_log_time = true;
  std::string monitor_log_file = "/tmp/milvus/logs/nats.log";
  int64_t monitor_log_size_limit = 536870912;
  // natsmq.server.retention.* applied to every stream Milvus creates; nullopt or 0 =
  // unlimited (an empty value, as shipped for maxBytes and maxMsgs).
  std::optional<int64_t> retention_max_age_minutes = 4320;
  std::optional<int64_t> retention_max_bytes;
  std::optional<int64_t> retention_max_msgs;
  // mqsim: fsync every sync_interval_ms (NATS's default 2 minutes), or before every ack.
  int64_t sync_interval_ms = 120'000;
  bool sync_always = false;
  // Block files roll over at this size; 0 (the default) picks it per stream as nats-server
  // 2.9 does (BlockSizeFor). Tests set a small fixed size to get many blocks.
  int64_t block_size_bytes = 0;

  // The stream config Milvus would create for a topic under these retention settings.
  StreamConfig StreamFor(const std::string& topic) const;
  // The block size of a stream: block_size_bytes when set, else BlockSizeFor(config).
  uint64_t BlockSizeOf(const StreamConfig& config) const;
};

// nats-server 2.9's choice for a limits stream: with MaxBytes, a quarter of it plus one,
// rounded up to 100, becomes 32,000 bytes at or below 32,000, 8 MB at or above 8 MB, and
// 4 MB between; without MaxBytes, 8 MB.
uint64_t BlockSizeFor(const StreamConfig& config);

}  // namespace mqsim::natsmq
