#include "storage/natsmq/stream.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "base/assert.h"
#include "base/bug_modes.h"
#include "base/buggify.h"
#include "base/fault_point.h"
#include "base/probe.h"
#include "base/status_macros.h"
#include "storage/file_io.h"
#include "storage/natsmq/fault_points.h"
#include "storage/natsmq/js_error.h"
#include "storage/natsmq/probes.h"

namespace mqsim::natsmq {

using storage::FromIo;
using storage::ListDirectory;
using storage::MakeDirectories;
using storage::ReadWholeFile;
using storage::RemoveTree;
using storage::SyncDirectory;
using storage::WriteFileAtomically;

namespace {
// What a message counts against MaxBytes: JetStream's stored size. Bug mode
// nats_bytes_payload_only counts the payload alone.
uint64_t AccountedBytes(size_t subject, size_t headers, size_t payload) {
  if (MQSIM_BUG(kNatsBytesPayloadOnly)) return payload;
  return StoredBytes(subject, headers, payload);
}
}  // namespace

using rocksdb::FileOptions;
using rocksdb::IOOptions;
using rocksdb::IOStatus;

namespace {

constexpr char kIndexMagic[] = "MQIX";
constexpr uint64_t kSequenceReservation = 1 << 16;
constexpr size_t kIndexEntryBytes = 1 + 8 + 8 + 8 + 4 + 8;

nlohmann::json ConfigJson(const StreamConfig& c) {
  return {{"name", c.name},
          {"max_msgs", c.max_msgs},
          {"max_bytes", c.max_bytes},
          {"max_age_ns", c.max_age_ns},
          {"max_msg_size", c.max_msg_size},
          {"discard", c.discard == Discard::kNew ? "new" : "old"}};
}

// The stream's configuration as ConfigJson wrote it to dir/meta.json.
absl::StatusOr<StreamConfig> ReadConfig(rocksdb::FileSystem& fs, const std::string& dir) {
  absl::StatusOr<std::string> meta = ReadWholeFile(fs, dir + "/meta.json");
  if (!meta.ok()) return meta.status();
  const nlohmann::json j = nlohmann::json::parse(*meta, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::DataLossError("natsmq: " + dir + "/meta.json is not valid JSON");
  }
  StreamConfig c;
  c.name = j.value("name", "");
  c.max_msgs = j.value("max_msgs", int64_t{-1});
  c.max_bytes = j.value("max_bytes", int64_t{-1});
  c.max_age_ns = j.value("max_age_ns", int64_t{0});
  c.max_msg_size = j.value("max_msg_size", int32_t{-1});
  c.discard = j.value("discard", "old") == "new" ? Discard::kNew : Discard::kOld;
  return c;
}

std::optional<uint32_t> BlockNumber(const std::string& name, const char* ext) {
  const std::string suffix = ext;
  if (name.size() <= suffix.size() || !name.ends_with(suffix)) return std::nullopt;
  const std::string digits = name.substr(0, name.size() - suffix.size());
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return std::nullopt;
  return static_cast<uint32_t>(std::stoul(digits));
}

}  // namespace

NatsStore::Stream::Stream(Env env, StreamConfig config, std::string dir)
    : env_(env), config_(std::move(config)), dir_(std::move(dir)) {}

NatsStore::Stream::~Stream() = default;

std::string NatsStore::Stream::BlockPath(uint32_t block, const char* ext) const {
  return dir_ + "/msgs/" + std::to_string(block) + ext;
}

absl::StatusOr<std::unique_ptr<NatsStore::Stream>> NatsStore::Stream::Create(
    Env env, const StreamConfig& config, const std::string& dir) {
  std::unique_ptr<Stream> s(new Stream(env, config, dir));
  MQSIM_RETURN_IF_ERROR(MakeDirectories(*env.fs, dir + "/msgs"));
  MQSIM_RETURN_IF_ERROR(MakeDirectories(*env.fs, dir + "/obs"));
  MQSIM_RETURN_IF_ERROR(s->WriteMeta(/*sync=*/true));
  MQSIM_RETURN_IF_ERROR(s->OpenBlockForAppend(1, /*create=*/true));
  return s;
}

absl::Status NatsStore::Stream::WriteMeta(bool sync) {
  return WriteFileAtomically(*env_.fs, dir_, "meta.json", ConfigJson(config_).dump(), sync);
}

// Opens `block` for appending and makes it current. The new handle replaces the old one
// only once it is open: on failure the stream keeps its current block and writer.
absl::Status NatsStore::Stream::OpenBlockForAppend(uint32_t block, bool create) {
  std::unique_ptr<rocksdb::FSWritableFile> w;
  const std::string path = BlockPath(block, ".blk");
  IOStatus s = create ? env_.fs->NewWritableFile(path, FileOptions(), &w, nullptr)
                      : env_.fs->ReopenWritableFile(path, FileOptions(), &w, nullptr);
  if (!s.ok()) return FromIo(s, "open block " + path);
  MQSIM_ASSERT(w != nullptr);
  writer_ = std::move(w);
  current_ = block;
  blocks_.try_emplace(block);
  current_index_.clear();
  current_index_count_ = 0;
  if (create) dir_unsynced_ = true;
  must_roll_ = false;
  return absl::OkStatus();
}

// Continues in block current_ + 1. A full block is first synced and indexed, once: from
// then on must_roll_ is set, so a failure to open the next block (disk full, an injected
// fault) leaves the stream on its sealed block with its writer, and the next append retries
// the open; nothing is ever appended after a block's index. A block whose last append
// failed holds a torn record: it gets no index (recovery scans it and cuts the tail), but
// it is synced if it holds unsynced messages.
absl::Status NatsStore::Stream::RollOver() {
  if (!must_roll_) {
    MQSIM_RETURN_IF_ERROR(FromIo(writer_->Sync(IOOptions(), nullptr), "sync block"));
    unsynced_ = false;
    MQSIM_RETURN_IF_ERROR(WriteIndex());
    must_roll_ = !MQSIM_BUG(kNatsRolloverNullWriter);  // bug mode: the open is not retried
  } else if (unsynced_) {
    // The torn block still holds acknowledged messages no sync has covered yet: the next
    // Sync() only reaches the new block's writer, so they are made durable now.
    MQSIM_RETURN_IF_ERROR(FromIo(writer_->Sync(IOOptions(), nullptr), "sync torn block"));
    unsynced_ = false;
  }
  if (MQSIM_BUG(kNatsRolloverNullWriter)) writer_.reset();  // bug mode: gone before the open
  if (MQSIM_FAULT_POINT(points::kBlockRollover)) {
    return base::InjectedFault(points::kBlockRollover,
                               "opening block " + std::to_string(current_ + 1));
  }
  return OpenBlockForAppend(current_ + 1, /*create=*/true);
}

// Appends one record to the current block, rolling to a new block when it is full (and
// after a failed append, whose partial bytes recovery will cut off). It does not sync: once
// the record is written, the caller first makes memory agree with it (a written record is
// what recovery will find), then applies the sync policy (SyncIfAlways), so a failed sync
// never leaves a record on disk that memory does not know (its sequence would be written
// again by the next publish, and recovery would count both).
absl::Status NatsStore::Stream::Append(const Record& record, uint64_t* offset, uint32_t* length) {
  const std::string bytes = EncodeRecord(record);
  const Block& cur = blocks_[current_];
  const bool full = cur.size > 0 && (cur.size + bytes.size() > env_.options->BlockSizeOf(config_) ||
                                     MQSIM_BUGGIFY(points::kBuggifyEarlyRollover));
  if (must_roll_ || full) MQSIM_RETURN_IF_ERROR(RollOver());
  MQSIM_ASSERT(writer_ != nullptr && !must_roll_);
  Block& block = blocks_[current_];
  const IOStatus s = writer_->Append(bytes, IOOptions(), nullptr);
  if (!s.ok()) {
    must_roll_ = true;
    return FromIo(s, "append to stream " + config_.name);
  }
  *offset = block.size;
  *length = static_cast<uint32_t>(bytes.size());
  block.size += bytes.size();
  unsynced_ = true;
  return absl::OkStatus();
}

absl::Status NatsStore::Stream::SyncIfAlways() {
  return env_.options->sync_always ? Sync() : absl::OkStatus();
}

absl::Status NatsStore::Stream::Sync() {
  if (unsynced_ && writer_) {
    MQSIM_RETURN_IF_ERROR(FromIo(writer_->Sync(IOOptions(), nullptr), "sync " + config_.name));
    unsynced_ = false;
  }
  if (dir_unsynced_) {
    MQSIM_RETURN_IF_ERROR(SyncDirectory(*env_.fs, dir_ + "/msgs"));
    dir_unsynced_ = false;
  }
  for (auto& [name, c] : consumers_) {
    if (c.dirty) MQSIM_RETURN_IF_ERROR(SaveConsumer(c, /*sync=*/true));
  }
  return absl::OkStatus();
}

// The index of a closed block: every stored message's kind, sequence, time, place and
// stored size, in sequence order. Entries are added as messages are stored (IndexMessage),
// so messages deleted or evicted while the block was current are still listed; the block
// then also holds the tombstone or marker that removed them, which the index does not
// cover, so recovery rescans the block rather than trust the index (as it always did for
// blocks holding such records).
void NatsStore::Stream::IndexMessage(uint64_t seq, const Location& where) {
  MQSIM_ASSERT(where.block == current_);
  PutLe<uint8_t>(current_index_, Record::kMessage);
  PutLe<uint64_t>(current_index_, seq);
  PutLe<int64_t>(current_index_, where.ts_ns);
  PutLe<uint64_t>(current_index_, where.offset);
  PutLe<uint32_t>(current_index_, where.length);
  PutLe<uint64_t>(current_index_, where.stored_bytes);
  ++current_index_count_;
}

absl::Status NatsStore::Stream::WriteIndex() {
  if (MQSIM_FAULT_POINT(points::kIndexWrite)) {
    return base::InjectedFault(points::kIndexWrite, "writing index " + std::to_string(current_));
  }
  if (MQSIM_BUGGIFY(points::kBuggifySkipIndex)) return absl::OkStatus();  // recovery scans
  MQSIM_ASSERT(current_index_.size() == current_index_count_ * kIndexEntryBytes);
  std::string out;
  out.reserve(4 + 8 + 4 + current_index_.size() + 8);
  out.append(kIndexMagic, 4);
  PutLe<uint64_t>(out, blocks_[current_].size);
  PutLe<uint32_t>(out, current_index_count_);
  out += current_index_;
  PutLe<uint64_t>(out, XXH3_64bits(out.data(), out.size()));
  // Lazily written and never synced: recovery trusts it only if it checks out.
  return WriteFileAtomically(*env_.fs, dir_ + "/msgs", std::to_string(current_) + ".idx", out,
                             /*sync=*/false);
}

// Reads a block's records: from its index if that is intact and describes the whole file
// (closed blocks), else by scanning, cutting the file at the first bad record.
absl::Status NatsStore::Stream::LoadBlock(uint32_t block, bool last,
                                          std::vector<std::pair<Record, Location>>* out) {
  uint64_t file_size = 0;
  MQSIM_RETURN_IF_ERROR(
      FromIo(env_.fs->GetFileSize(BlockPath(block, ".blk"), IOOptions(), &file_size, nullptr),
             "stat block"));
  blocks_[block].size = file_size;
  if (!last) {
    absl::StatusOr<std::string> idx = ReadWholeFile(*env_.fs, BlockPath(block, ".idx"));
    if (idx.ok() && idx->size() >= 4 + 8 + 4 + 8 && idx->compare(0, 4, kIndexMagic) == 0 &&
        GetLe<uint64_t>(idx->data() + idx->size() - 8) ==
            XXH3_64bits(idx->data(), idx->size() - 8) &&
        GetLe<uint64_t>(idx->data() + 4) == file_size) {
      const uint32_t count = GetLe<uint32_t>(idx->data() + 12);
      if (idx->size() == 16 + count * kIndexEntryBytes + 8) {
        const char* p = idx->data() + 16;
        for (uint32_t i = 0; i < count; ++i, p += kIndexEntryBytes) {
          Record r;
          r.kind = static_cast<Record::Kind>(GetLe<uint8_t>(p));
          r.seq = GetLe<uint64_t>(p + 1);
          r.ts_ns = GetLe<int64_t>(p + 9);
          out->emplace_back(r, Location{block, GetLe<uint64_t>(p + 17), GetLe<uint32_t>(p + 25),
                                        r.ts_ns, GetLe<uint64_t>(p + 29)});
        }
        // The index lists messages only; tombstones and first-markers are rare: re-read
        // them from the block only when it has any (size accounting says so).
        uint64_t covered = 0;
        for (const auto& [r, loc] : *out) {
          if (loc.block == block) covered += loc.length;
        }
        if (covered == file_size) {
          MQSIM_PROBE(probes::kRecoveryIndexTrusted);
          return absl::OkStatus();
        }
        std::erase_if(*out, [&](const auto& e) { return e.second.block == block; });
      }
    }
  }
  MQSIM_PROBE(probes::kRecoveryBlockScanned);
  absl::StatusOr<std::string> data = ReadWholeFile(*env_.fs, BlockPath(block, ".blk"));
  if (!data.ok()) return data.status();
  size_t pos = 0;
  while (pos < data->size()) {
    Record r;
    size_t len = 0;
    if (DecodeRecord(std::string_view(*data).substr(pos), &r, &len) != DecodeResult::kOk) break;
    const uint64_t stored = AccountedBytes(r.subject.size(), r.headers.size(), r.payload.size());
    out->emplace_back(std::move(r), Location{block, pos, static_cast<uint32_t>(len), 0, stored});
    out->back().second.ts_ns = out->back().first.ts_ns;
    pos += len;
  }
  if (pos < data->size()) {
    // A torn or corrupt tail: cut it off so appends continue from a clean record boundary.
    MQSIM_PROBE(probes::kRecoveryTornTail);
    std::unique_ptr<rocksdb::FSWritableFile> f;
    IOStatus s = env_.fs->ReopenWritableFile(BlockPath(block, ".blk"), FileOptions(), &f, nullptr);
    if (s.ok()) s = f->Truncate(pos, IOOptions(), nullptr);
    if (s.ok()) s = f->Sync(IOOptions(), nullptr);
    if (s.ok()) s = f->Close(IOOptions(), nullptr);
    MQSIM_RETURN_IF_ERROR(FromIo(s, "truncate torn tail of " + BlockPath(block, ".blk")));
    blocks_[block].size = pos;
  }
  return absl::OkStatus();
}

void NatsStore::Stream::Apply(const Record& r, const Location& where) {
  switch (r.kind) {
    case Record::kMessage:
      // Records are in sequence order on disk; later tombstones and markers remove.
      msgs_[r.seq] = where;
      bytes_ += where.stored_bytes;
      ++blocks_[where.block].live;
      if (r.seq >= last_seq_) {
        last_seq_ = r.seq;
        last_ts_ns_ = r.ts_ns;
      }
      break;
    case Record::kDelete:
      RemoveOne(r.seq);
      last_seq_ = std::max(last_seq_, r.seq);
      break;
    case Record::kFirst:
      first_marked_ = true;
      RemoveBelow(r.seq);
      last_seq_ = std::max(last_seq_, r.seq - 1);
      break;
  }
}

absl::StatusOr<std::unique_ptr<NatsStore::Stream>> NatsStore::Stream::Recover(
    Env env, const std::string& dir, int64_t now_ns) {
  absl::StatusOr<StreamConfig> config = ReadConfig(*env.fs, dir);
  if (!config.ok()) return config.status();
  std::unique_ptr<Stream> s(new Stream(env, *config, dir));
  MQSIM_RETURN_IF_ERROR(MakeDirectories(*env.fs, dir + "/msgs"));
  MQSIM_RETURN_IF_ERROR(MakeDirectories(*env.fs, dir + "/obs"));
  MQSIM_RETURN_IF_ERROR(s->RecoverBlocks());
  s->RecoverReservation();
  MQSIM_RETURN_IF_ERROR(s->RecoverConsumers());
  // Limits also hold after recovery (and expired messages go now).
  MQSIM_RETURN_IF_ERROR(s->EnforceLimits(now_ns));
  MQSIM_RETURN_IF_ERROR(s->Expire(now_ns));
  // Blocks the stop left without messages go now, not at the next eviction: a crash between
  // a removal's record and the deletion of the blocks it emptied, or a power loss that took
  // the deletion's directory entries, would otherwise keep them until then.
  MQSIM_RETURN_IF_ERROR(s->DropDeadBlocks());
  return s;
}

absl::Status NatsStore::Stream::RecoverBlocks() {
  absl::StatusOr<std::vector<std::string>> files = ListDirectory(*env_.fs, dir_ + "/msgs");
  if (!files.ok()) return files.status();
  std::vector<uint32_t> blocks;
  for (const std::string& f : *files) {
    if (auto n = BlockNumber(f, ".blk")) blocks.push_back(*n);
  }
  std::sort(blocks.begin(), blocks.end());
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (MQSIM_FAULT_POINT(points::kRecoveryLoadBlock)) {
      return base::InjectedFault(points::kRecoveryLoadBlock,
                                 "loading " + BlockPath(blocks[i], ".blk"));
    }
    std::vector<std::pair<Record, Location>> records;
    MQSIM_RETURN_IF_ERROR(LoadBlock(blocks[i], i + 1 == blocks.size(), &records));
    for (const auto& [r, loc] : records) Apply(r, loc);
  }
  MQSIM_RETURN_IF_ERROR(
      OpenBlockForAppend(blocks.empty() ? 1 : blocks.back(), /*create=*/blocks.empty()));
  // The block appended to holds the newest sequences: its messages start its index.
  auto first_here = msgs_.end();
  while (first_here != msgs_.begin() && std::prev(first_here)->second.block == current_) {
    --first_here;
  }
  for (auto it = first_here; it != msgs_.end(); ++it) IndexMessage(it->first, it->second);
  // Block files created before an unclean stop may have directory entries that were never
  // made durable: the first sync after recovery syncs the directory too, or a power loss
  // could take a whole block of synced messages with it (found by a swarm seed). Likewise
  // the block appended to may hold messages acknowledged before the stop that are still
  // only in the page cache: the first sync after recovery syncs it, also when no new
  // message is appended to it (a failed append rolls over to a new block; found by a swarm
  // seed, where a later power loss took messages a completed sync pass had promised).
  dir_unsynced_ = true;
  unsynced_ = true;
  return absl::OkStatus();
}

void NatsStore::Stream::RecoverReservation() {
  // After an unclean stop, sequences up to the reservation may have been acknowledged
  // and lost: continue after them.
  absl::StatusOr<std::string> reserved = ReadWholeFile(*env_.fs, dir_ + "/seq.reserve");
  if (reserved.ok() && !reserved->empty() &&
      std::all_of(reserved->begin(), reserved->end(), ::isdigit)) {
    reserved_seq_ = std::stoull(*reserved);
    if (reserved_seq_ > last_seq_) {
      last_seq_ = reserved_seq_;
      first_marked_ = true;
    }
  }
}

absl::Status NatsStore::Stream::RecoverConsumers() {
  absl::StatusOr<std::vector<std::string>> obs = ListDirectory(*env_.fs, dir_ + "/obs");
  if (!obs.ok()) return obs.status();
  for (const std::string& f : *obs) {
    if (!f.ends_with(".json")) continue;
    absl::StatusOr<std::string> text = ReadWholeFile(*env_.fs, dir_ + "/obs/" + f);
    if (!text.ok()) return text.status();
    const nlohmann::json o = nlohmann::json::parse(*text, nullptr, false);
    if (o.is_discarded() || !o.is_object()) continue;  // a torn temp: the consumer restarts
    Consumer consumer;
    consumer.config.durable_name = o.value("durable", "");
    consumer.config.start_seq = o.value("start_seq", uint64_t{1});
    consumer.ack_floor = o.value("ack_floor", uint64_t{0});
    consumer.delivered = consumer.ack_floor;  // unacked messages are redelivered
    consumers_[consumer.config.durable_name] = consumer;
  }
  return absl::OkStatus();
}

// As nats-server: a stream that never held a message reports FirstSeq 0; once emptied
// (evicted, expired, deleted, purged) it reports LastSeq + 1.
uint64_t NatsStore::Stream::FirstSeq() const {
  if (!msgs_.empty()) return msgs_.begin()->first;
  return last_seq_ == 0 && !first_marked_ ? 0 : last_seq_ + 1;
}

StreamState NatsStore::Stream::State() const {
  StreamState st;
  st.msgs = msgs_.size();
  st.bytes = bytes_;
  st.last_seq = last_seq_;
  st.last_msg_seq = msgs_.empty() ? 0 : msgs_.rbegin()->first;
  st.first_seq = FirstSeq();
  st.first_ts_ns = msgs_.empty() ? 0 : msgs_.begin()->second.ts_ns;
  st.last_ts_ns = last_ts_ns_;
  st.num_deleted = msgs_.empty() ? 0 : (last_seq_ - st.first_seq + 1) - msgs_.size();
  st.consumers = consumers_.size();
  return st;
}

absl::StatusOr<FileUse> NatsStore::Stream::Files(const FileLister& lister) const {
  const std::string msgs = dir_ + "/msgs";
  std::vector<std::pair<std::string, uint64_t>> files;
  if (lister) {
    files = lister(msgs);
  } else {
    absl::StatusOr<std::vector<std::string>> names = ListDirectory(*env_.fs, msgs);
    if (!names.ok()) return names.status();
    for (const std::string& f : *names) {
      uint64_t size = 0;
      const IOStatus st = env_.fs->GetFileSize(msgs + "/" + f, IOOptions(), &size, nullptr);
      if (!st.ok()) return FromIo(st, "size of " + f);
      files.emplace_back(f, size);
    }
  }
  FileUse use;
  use.block_size = env_.options->BlockSizeOf(config_);
  for (const auto& [name, size] : files) {
    if (!BlockNumber(name, ".blk")) continue;
    use.block_bytes += size;
    ++use.blocks;
  }
  return use;
}

void NatsStore::Stream::RemoveOne(uint64_t seq) {
  auto it = msgs_.find(seq);
  if (it == msgs_.end()) return;
  bytes_ -= it->second.stored_bytes;
  --blocks_[it->second.block].live;
  msgs_.erase(it);
}

void NatsStore::Stream::RemoveBelow(uint64_t new_first) {
  while (!msgs_.empty() && msgs_.begin()->first < new_first) RemoveOne(msgs_.begin()->first);
}

// Removes every message below new_first and records it durably enough: the marker is
// appended (synced by the caller's policy); blocks left without messages are deleted.
absl::Status NatsStore::Stream::EvictTo(uint64_t new_first, int64_t now_ns) {
  // The marker goes to disk before memory forgets: if it cannot be written, the messages
  // stay (and go at the next attempt) rather than come back after a restart.
  const auto first_left = msgs_.lower_bound(new_first);
  Record marker;
  marker.kind = Record::kFirst;
  marker.seq = first_left != msgs_.end() ? first_left->first : last_seq_ + 1;
  marker.ts_ns = now_ns;
  if (MQSIM_FAULT_POINT(points::kEvictBeforeMarker)) {
    return base::InjectedFault(points::kEvictBeforeMarker, "evicting from " + config_.name);
  }
  uint64_t offset = 0;
  uint32_t length = 0;
  MQSIM_RETURN_IF_ERROR(Append(marker, &offset, &length));
  RemoveBelow(new_first);
  first_marked_ = true;
  MQSIM_RETURN_IF_ERROR(SyncIfAlways());
  return DropDeadBlocks();
}

// Only the oldest blocks go, up to the first that still holds a message (or is current).
// A dead block further on may hold a tombstone or first-marker that removes a message still
// on disk in an older block: dropping it would bring that message back at recovery.
absl::Status NatsStore::Stream::DropDeadBlocks() {
  for (auto it = blocks_.begin(); it != blocks_.end();) {
    if (it->first == current_ || it->second.live != 0) break;
    readers_.erase(it->first);
    for (const char* ext : {".blk", ".idx"}) {
      const IOStatus s = env_.fs->DeleteFile(BlockPath(it->first, ext), IOOptions(), nullptr);
      if (!s.ok() && !s.IsPathNotFound() && !s.IsNotFound()) return FromIo(s, "delete block");
    }
    it = blocks_.erase(it);
  }
  return absl::OkStatus();
}

// DiscardOld: drop the oldest messages while a limit is exceeded.
absl::Status NatsStore::Stream::EnforceLimits(int64_t now_ns) {
  uint64_t new_first = FirstSeq();
  uint64_t msgs = msgs_.size();
  uint64_t bytes = bytes_;
  auto it = msgs_.begin();
  for (;;) {
    const bool over_msgs = config_.max_msgs > 0 && msgs > static_cast<uint64_t>(config_.max_msgs);
    const bool over_bytes =
        config_.max_bytes > 0 && bytes > static_cast<uint64_t>(config_.max_bytes);
    if (it == msgs_.end() || !(over_msgs || over_bytes)) break;
    if (over_msgs) MQSIM_PROBE(probes::kLimitMaxMsgs);
    if (over_bytes) MQSIM_PROBE(probes::kLimitMaxBytes);
    --msgs;
    bytes -= it->second.stored_bytes;
    ++it;
    new_first = it == msgs_.end() ? last_seq_ + 1 : it->first;
  }
  if (new_first == FirstSeq()) return absl::OkStatus();
  return EvictTo(new_first, now_ns);
}

absl::StatusOr<uint64_t> NatsStore::Stream::Store(const std::string& subject,
                                                  const std::string& headers,
                                                  const std::string& payload, int64_t now_ns) {
  const uint64_t size = headers.size() + payload.size();
  if (config_.max_msg_size >= 0 && size > static_cast<uint64_t>(config_.max_msg_size)) {
    return JsError(absl::StatusCode::kInvalidArgument, kJsMessageSizeExceeded,
                   "message size exceeds maximum allowed");
  }
  const uint64_t stored = AccountedBytes(subject.size(), headers.size(), payload.size());
  if (config_.discard == Discard::kNew) {
    if (config_.max_msgs > 0 && msgs_.size() + 1 > static_cast<uint64_t>(config_.max_msgs)) {
      return JsError(absl::StatusCode::kResourceExhausted, kJsStreamLimits,
                     "maximum messages exceeded");
    }
    if (config_.max_bytes > 0 && bytes_ + stored > static_cast<uint64_t>(config_.max_bytes)) {
      return JsError(absl::StatusCode::kResourceExhausted, kJsStreamLimits,
                     "maximum bytes exceeded");
    }
  }
  MQSIM_RETURN_IF_ERROR(ReserveThrough(last_seq_ + 1));
  if (MQSIM_FAULT_POINT(points::kPublishBeforeAppend)) {
    return base::InjectedFault(points::kPublishBeforeAppend, "publish to " + config_.name);
  }
  Record r;
  r.kind = Record::kMessage;
  r.seq = last_seq_ + 1;
  r.ts_ns = now_ns;
  r.subject = subject;
  r.headers = headers;
  r.payload = payload;
  uint64_t offset = 0;
  uint32_t length = 0;
  MQSIM_RETURN_IF_ERROR(Append(r, &offset, &length));
  const Location where{current_, offset, length, now_ns, stored};
  Apply(r, where);
  IndexMessage(r.seq, where);
  // From here the message is stored: a failure below only loses the publisher's ack.
  MQSIM_RETURN_IF_ERROR(SyncIfAlways());
  if (MQSIM_BUGGIFY(points::kBuggifySyncNow)) MQSIM_RETURN_IF_ERROR(Sync());
  MQSIM_RETURN_IF_ERROR(EnforceLimits(now_ns));
  // The message is stored; only the publisher does not learn it (a lost PubAck).
  if (MQSIM_FAULT_POINT(points::kPublishAfterAppend)) {
    return base::InjectedFault(points::kPublishAfterAppend,
                               "acknowledging publish to " + config_.name);
  }
  return r.seq;
}

absl::StatusOr<StoredMsg> NatsStore::Stream::Get(uint64_t seq) {
  if (seq == 0) return JsError(absl::StatusCode::kInvalidArgument, kJsBadRequest, "bad request");
  auto it = msgs_.find(seq);
  if (it == msgs_.end()) {
    return JsError(absl::StatusCode::kNotFound, kJsNoMessageFound, "no message found");
  }
  const Location& loc = it->second;
  auto reader = readers_.find(loc.block);
  if (reader == readers_.end()) {
    std::unique_ptr<rocksdb::FSRandomAccessFile> f;
    MQSIM_RETURN_IF_ERROR(FromIo(
        env_.fs->NewRandomAccessFile(BlockPath(loc.block, ".blk"), FileOptions(), &f, nullptr),
        "open block for reading"));
    reader = readers_.emplace(loc.block, std::move(f)).first;
  }
  std::string scratch(loc.length, '\0');
  rocksdb::Slice got;
  MQSIM_RETURN_IF_ERROR(FromIo(
      reader->second->Read(loc.offset, loc.length, IOOptions(), &got, scratch.data(), nullptr),
      "read message"));
  Record r;
  size_t len = 0;
  if (DecodeRecord(std::string_view(got.data(), got.size()), &r, &len) != DecodeResult::kOk ||
      r.seq != seq) {
    return absl::DataLossError("natsmq: message " + std::to_string(seq) + " of stream " +
                               config_.name + " fails its checksum");
  }
  return StoredMsg{seq, std::move(r.subject), std::move(r.headers), std::move(r.payload), r.ts_ns};
}

// Error codes as nats-server 2.9.10 answers a delete (measured): below the first sequence
// or 0: 10057 "no message found"; beyond the last: 10057 "stream store EOF"; an interior
// sequence already deleted: 10043 "sequence N not found".
absl::Status NatsStore::Stream::Delete(uint64_t seq, int64_t now_ns) {
  if (seq == 0 || seq < FirstSeq()) {
    return JsError(absl::StatusCode::kNotFound, kJsStreamMsgDeleteFailed, "no message found");
  }
  if (seq > last_seq_) {
    return JsError(absl::StatusCode::kNotFound, kJsStreamMsgDeleteFailed, "stream store EOF");
  }
  if (msgs_.count(seq) == 0) {
    return JsError(absl::StatusCode::kNotFound, kJsSequenceNotFound,
                   "sequence " + std::to_string(seq) + " not found");
  }
  Record tomb;
  tomb.kind = Record::kDelete;
  tomb.seq = seq;
  tomb.ts_ns = now_ns;
  uint64_t offset = 0;
  uint32_t length = 0;
  MQSIM_RETURN_IF_ERROR(Append(tomb, &offset, &length));
  RemoveOne(seq);
  // Deliberately stronger than nats-server 2.9: a delete is durable when it returns.
  MQSIM_RETURN_IF_ERROR(Sync());
  return DropDeadBlocks();
}

absl::Status NatsStore::Stream::Purge(int64_t now_ns) {
  MQSIM_RETURN_IF_ERROR(EvictTo(last_seq_ + 1, now_ns));
  return Sync();
}

absl::Status NatsStore::Stream::Expire(int64_t now_ns) {
  if (config_.max_age_ns <= 0 || msgs_.empty()) return absl::OkStatus();
  uint64_t new_first = FirstSeq();
  for (auto it = msgs_.begin();
       it != msgs_.end() && it->second.ts_ns + config_.max_age_ns <= now_ns; ++it) {
    new_first = std::next(it) == msgs_.end() ? last_seq_ + 1 : std::next(it)->first;
  }
  if (new_first == FirstSeq()) return absl::OkStatus();
  MQSIM_PROBE(probes::kLimitMaxAge);
  return EvictTo(new_first, now_ns);
}

std::optional<int64_t> NatsStore::Stream::NextExpiryNs() const {
  if (config_.max_age_ns <= 0 || msgs_.empty()) return std::nullopt;
  return msgs_.begin()->second.ts_ns + config_.max_age_ns;
}

absl::Status NatsStore::Stream::SetConfig(const StreamConfig& config, int64_t now_ns) {
  config_ = config;
  MQSIM_RETURN_IF_ERROR(WriteMeta(/*sync=*/true));
  MQSIM_RETURN_IF_ERROR(EnforceLimits(now_ns));
  return Expire(now_ns);
}

// Sequences are reserved durably in blocks before use (deliberately stronger than
// nats-server): a power loss that drops acknowledged but unsynced messages never lets their
// sequences be handed out again. A clean close gives back what was not used.
absl::Status NatsStore::Stream::ReserveThrough(uint64_t seq) {
  if (seq <= reserved_seq_) return absl::OkStatus();
  if (MQSIM_FAULT_POINT(points::kReserveSeq)) {
    return base::InjectedFault(points::kReserveSeq, "reserving sequences of " + config_.name);
  }
  const uint64_t reserve = seq + kSequenceReservation;
  MQSIM_RETURN_IF_ERROR(
      WriteFileAtomically(*env_.fs, dir_, "seq.reserve", std::to_string(reserve), /*sync=*/true));
  reserved_seq_ = reserve;
  return absl::OkStatus();
}

absl::Status NatsStore::Stream::Close() {
  absl::Status s = Sync();
  if (s.ok() && reserved_seq_ > last_seq_) {
    s = WriteFileAtomically(*env_.fs, dir_, "seq.reserve", std::to_string(last_seq_), true);
    if (s.ok()) reserved_seq_ = last_seq_;
  }
  if (writer_) {
    const IOStatus c = writer_->Close(IOOptions(), nullptr);
    if (s.ok()) s = FromIo(c, "close block");
    writer_.reset();
  }
  readers_.clear();
  return s;
}

// Removes the stream's files, durably. The durable removal of meta.json is the commit
// point: recovery removes a stream directory without it (as it does an unfinished
// creation), so from then on no crash or power loss brings the stream or any of its
// messages back; every directory's unlinks are synced before it goes (RemoveTree), so a
// stream created again under the same name never adopts an old block. The handles go only
// once the files are gone: a removal that fails before the commit point leaves a stream
// that still serves.
absl::Status NatsStore::Stream::Destroy() {
  MQSIM_RETURN_IF_ERROR(
      FromIo(env_.fs->DeleteFile(dir_ + "/meta.json", IOOptions(), nullptr), "delete meta.json"));
  MQSIM_RETURN_IF_ERROR(SyncDirectory(*env_.fs, dir_));
  MQSIM_RETURN_IF_ERROR(RemoveTree(*env_.fs, dir_));
  MQSIM_RETURN_IF_ERROR(SyncDirectory(*env_.fs, dir_.substr(0, dir_.rfind('/'))));
  writer_.reset();
  readers_.clear();
  return absl::OkStatus();
}

// ------------------------------------------------------------------ consumers

absl::Status NatsStore::Stream::SaveConsumer(Consumer& c, bool sync) {
  const nlohmann::json j = {{"durable", c.config.durable_name},
                            {"start_seq", c.config.start_seq},
                            {"ack_floor", c.ack_floor}};
  const absl::Status s =
      MQSIM_FAULT_POINT(points::kConsumerSave)
          ? base::InjectedFault(points::kConsumerSave, "saving consumer " + c.config.durable_name)
          : WriteFileAtomically(*env_.fs, dir_ + "/obs", c.config.durable_name + ".json", j.dump(),
                                sync);
  // Unsaved state stays dirty: the next sync tries again.
  c.dirty = !s.ok() || !sync;
  return s;
}

absl::Status NatsStore::Stream::AddConsumer(const ConsumerConfig& config) {
  if (config.start_seq == 0) {
    return JsError(absl::StatusCode::kInvalidArgument, kJsStartSequenceNotSet,
                   "consumer delivery policy is deliver by start sequence, but optional start "
                   "sequence is not set");
  }
  if (config.durable_name.empty() || config.durable_name.find('/') != std::string::npos) {
    return absl::InvalidArgumentError("natsmq: invalid durable consumer name \"" +
                                      config.durable_name + "\"");
  }
  if (consumers_.count(config.durable_name) != 0) return absl::OkStatus();
  Consumer c;
  c.config = config;
  // Below the first message: start at the first; beyond the last: at the next one.
  const uint64_t start = std::clamp(config.start_seq, FirstSeq(), last_seq_ + 1);
  c.config.start_seq = start;
  c.delivered = start - 1;
  c.ack_floor = start - 1;
  MQSIM_RETURN_IF_ERROR(SaveConsumer(c, env_.options->sync_always));
  consumers_[config.durable_name] = c;
  return absl::OkStatus();
}

absl::Status NatsStore::Stream::DeleteConsumer(const std::string& durable) {
  if (consumers_.erase(durable) == 0) {
    return JsError(absl::StatusCode::kNotFound, kJsConsumerNotFound, "consumer not found");
  }
  const IOStatus s = env_.fs->DeleteFile(dir_ + "/obs/" + durable + ".json", IOOptions(), nullptr);
  return s.ok() || s.IsPathNotFound() || s.IsNotFound() ? absl::OkStatus()
                                                        : FromIo(s, "delete consumer");
}

absl::StatusOr<std::vector<StoredMsg>> NatsStore::Stream::Fetch(const std::string& durable, int max,
                                                                uint64_t max_bytes) {
  auto it = consumers_.find(durable);
  if (it == consumers_.end()) {
    return JsError(absl::StatusCode::kNotFound, kJsConsumerNotFound, "consumer not found");
  }
  Consumer& c = it->second;
  std::vector<StoredMsg> out;
  uint64_t bytes = 0;
  for (auto m = msgs_.upper_bound(c.delivered);
       m != msgs_.end() && static_cast<int>(out.size()) < max && bytes < max_bytes; ++m) {
    absl::StatusOr<StoredMsg> msg = Get(m->first);
    if (!msg.ok()) return msg.status();
    bytes += msg->payload.size() + msg->headers.size();
    out.push_back(std::move(*msg));
  }
  if (!out.empty()) c.delivered = out.back().seq;
  return out;
}

absl::Status NatsStore::Stream::Ack(const std::string& durable, uint64_t seq) {
  auto it = consumers_.find(durable);
  if (it == consumers_.end()) {
    return JsError(absl::StatusCode::kNotFound, kJsConsumerNotFound, "consumer not found");
  }
  Consumer& c = it->second;
  if (seq <= c.ack_floor) return absl::OkStatus();
  if (seq > c.delivered) {
    return absl::InvalidArgumentError("natsmq: ack of sequence " + std::to_string(seq) +
                                      " that was never delivered");
  }
  c.ack_floor = seq;
  return SaveConsumer(c, env_.options->sync_always);
}

absl::StatusOr<ConsumerInfo> NatsStore::Stream::Info(const std::string& durable) const {
  auto it = consumers_.find(durable);
  if (it == consumers_.end()) {
    return JsError(absl::StatusCode::kNotFound, kJsConsumerNotFound, "consumer not found");
  }
  const Consumer& c = it->second;
  ConsumerInfo info;
  info.delivered = c.delivered;
  // The floor starts just below the start sequence; it only reaches the start sequence
  // with the first ack.
  info.ack_floor = c.ack_floor >= c.config.start_seq ? c.ack_floor : 0;
  const auto undelivered = msgs_.upper_bound(c.delivered);
  info.num_pending = static_cast<uint64_t>(std::distance(undelivered, msgs_.end()));
  info.num_ack_pending =
      static_cast<uint64_t>(std::distance(msgs_.upper_bound(c.ack_floor), undelivered));
  return info;
}

}  // namespace mqsim::natsmq
