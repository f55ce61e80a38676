// NatsStore::Stream: one stream's blocks, in-memory index, limits and durable consumers.
// Internal to NatsStore (which holds the lock); see nats_store.h for the behaviour.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "storage/natsmq/nats_store.h"
#include "storage/natsmq/record.h"

namespace mqsim::natsmq {

class NatsStore::Stream {
 public:
  struct Env {
    rocksdb::FileSystem* fs;
    const NatsMqOptions* options;
  };

  static absl::StatusOr<std::unique_ptr<Stream>> Create(Env env, const StreamConfig& config,
                                                        const std::string& dir);
  static absl::StatusOr<std::unique_ptr<Stream>> Recover(Env env, const std::string& dir,
                                                         int64_t now_ns);
  ~Stream();

  const StreamConfig& config() const { return config_; }
  absl::Status SetConfig(const StreamConfig& config, int64_t now_ns);
  StreamState State() const;
  uint64_t bytes() const { return bytes_; }
  // What the stream's block files take on disk (NatsStore::GetStreamFiles).
  absl::StatusOr<FileUse> Files(const FileLister& lister) const;

  // Checks the stream's own limits (size, DiscardNew), appends, then evicts (DiscardOld).
  absl::StatusOr<uint64_t> Store(const std::string& subject, const std::string& headers,
                                 const std::string& payload, int64_t now_ns);
  absl::StatusOr<StoredMsg> Get(uint64_t seq);
  absl::Status Delete(uint64_t seq, int64_t now_ns);
  absl::Status Purge(int64_t now_ns);
  absl::Status Expire(int64_t now_ns);
  std::optional<int64_t> NextExpiryNs() const;
  absl::Status Sync();
  absl::Status Close();
  absl::Status Destroy();

  absl::Status AddConsumer(const ConsumerConfig& config);
  absl::Status DeleteConsumer(const std::string& durable);
  absl::StatusOr<std::vector<StoredMsg>> Fetch(const std::string& durable, int max,
                                               uint64_t max_bytes = UINT64_MAX);
  absl::Status Ack(const std::string& durable, uint64_t seq);
  absl::StatusOr<ConsumerInfo> Info(const std::string& durable) const;
  bool HasConsumer(const std::string& durable) const { return consumers_.count(durable) != 0; }

 private:
  struct Location {
    uint32_t block;
    uint64_t offset;
    uint32_t length;
    int64_t ts_ns;
    uint64_t stored_bytes;
  };
  struct Block {
    uint64_t size = 0;
    uint64_t live = 0;  // messages of this block still in the stream
  };
  struct Consumer {
    ConsumerConfig config;
    uint64_t delivered = 0;
    uint64_t ack_floor = 0;
    bool dirty = false;
  };

  Stream(Env env, StreamConfig config, std::string dir);
  std::string BlockPath(uint32_t block, const char* ext) const;
  absl::Status OpenBlockForAppend(uint32_t block, bool create);
  absl::Status RollOver();
  // REQUIRES: the stream is open (Create or Recover succeeded; not Closed or Destroyed).
  // Writes without syncing; see SyncIfAlways.
  absl::Status Append(const Record& record, uint64_t* offset, uint32_t* length);
  // Sync() when every write is to be synced (sync_always), else nothing.
  absl::Status SyncIfAlways();
  absl::Status WriteMeta(bool sync);
  // Writes the index of the current block (current_index_) as it closes.
  absl::Status WriteIndex();
  // Adds a stored message of the current block to current_index_.
  void IndexMessage(uint64_t seq, const Location& where);
  absl::Status LoadBlock(uint32_t block, bool last, std::vector<std::pair<Record, Location>>* out);
  // Recovery, in this order: every block's records applied, the last block opened for
  // appending and indexed; the durable sequence reservation; the durable consumers.
  absl::Status RecoverBlocks();
  void RecoverReservation();
  absl::Status RecoverConsumers();
  void Apply(const Record& record, const Location& where);
  void RemoveBelow(uint64_t new_first);
  void RemoveOne(uint64_t seq);
  absl::Status EvictTo(uint64_t new_first, int64_t now_ns);
  absl::Status EnforceLimits(int64_t now_ns);
  absl::Status DropDeadBlocks();
  absl::Status SaveConsumer(Consumer& c, bool sync);
  uint64_t FirstSeq() const;
  absl::Status ReserveThrough(uint64_t seq);

  Env env_;
  StreamConfig config_;
  std::string dir_;
  std::map<uint64_t, Location> msgs_;
  uint64_t bytes_ = 0;
  uint64_t last_seq_ = 0;
  bool first_marked_ = false;  // a purge or eviction moved the first sequence
  uint64_t reserved_seq_ = 0;  // sequences durably reserved up to
  int64_t last_ts_ns_ = 0;
  std::map<uint32_t, Block> blocks_;
  uint32_t current_ = 0;  // block being appended to
  // The current block's writer: never null between Create/Recover and Close/Destroy (a
  // rollover replaces it only once the next block is open).
  std::unique_ptr<rocksdb::FSWritableFile> writer_;
  // The index entries of the current block's messages, appended as they are stored, so a
  // rollover writes them without walking the stream.
  std::string current_index_;
  uint32_t current_index_count_ = 0;
  // Continue in a new block: the last append failed, or the current block is sealed
  // (synced, indexed) and opening the next one failed.
  bool must_roll_ = false;
  bool unsynced_ = false;      // appended since the last sync
  bool dir_unsynced_ = false;  // a block was created since the last directory sync
  std::map<uint32_t, std::unique_ptr<rocksdb::FSRandomAccessFile>> readers_;
  std::map<std::string, Consumer> consumers_;
};

}  // namespace mqsim::natsmq
