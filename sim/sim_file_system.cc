#include "sim/sim_file_system.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>

#include "base/assert.h"

namespace mqsim::sim {

using rocksdb::FileOptions;
using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

namespace {
constexpr uint64_t kSectorBytes = 512;
constexpr uint64_t kBlockBytes = 4096;
}  // namespace

std::string_view ToString(PersistenceProfile p) {
  switch (p) {
    case PersistenceProfile::kStrictPosix:
      return "strict-posix";
    case PersistenceProfile::kExt4Ordered:
      return "ext4-ordered";
  }
  return "?";
}

uint64_t DiskImage::Fingerprint() const {
  uint64_t h = 0x5eed;
  for (const auto& [path, content] : files) {
    h = Mix64(h ^ XXH3_64bits(path.data(), path.size()));
    h = Mix64(h ^ XXH3_64bits(content.data(), content.size()));
  }
  for (const std::string& d : dirs) h = Mix64(h ^ XXH3_64bits(d.data(), d.size()) ^ 0xd1);
  return h;
}

// ------------------------------------------------------------------ handles

// File handles remember the process lifetime (generation) they were opened in: after a
// crash every operation on them fails, as it would on a dead process's descriptors.
class SimFileSystem::SequentialFile : public rocksdb::FSSequentialFile {
 public:
  SequentialFile(SimFileSystem* fs, InodePtr inode, std::string path)
      : fs_(fs), inode_(std::move(inode)), path_(std::move(path)), generation_(fs->generation_) {}

  IOStatus Read(size_t n, const IOOptions&, Slice* result, char* scratch,
                IODebugContext*) override {
    IOStatus s = PositionedRead(offset_, n, IOOptions(), result, scratch, nullptr);
    if (s.ok()) offset_ += result->size();
    return s;
  }
  IOStatus PositionedRead(uint64_t offset, size_t n, const IOOptions&, Slice* result, char* scratch,
                          IODebugContext*) override {
    return fs_->ReadAt(*inode_, path_, generation_, offset, n, result, scratch);
  }
  IOStatus Skip(uint64_t n) override {
    offset_ = std::min<uint64_t>(offset_ + n, inode_->data.size());
    return IOStatus::OK();
  }

 private:
  SimFileSystem* fs_;
  InodePtr inode_;
  std::string path_;
  uint64_t generation_;
  uint64_t offset_ = 0;
};

class SimFileSystem::RandomAccessFile : public rocksdb::FSRandomAccessFile {
 public:
  RandomAccessFile(SimFileSystem* fs, InodePtr inode, std::string path)
      : fs_(fs), inode_(std::move(inode)), path_(std::move(path)), generation_(fs->generation_) {}

  IOStatus Read(uint64_t offset, size_t n, const IOOptions&, Slice* result, char* scratch,
                IODebugContext*) const override {
    return fs_->ReadAt(*inode_, path_, generation_, offset, n, result, scratch);
  }
  IOStatus Prefetch(uint64_t, size_t, const IOOptions&, IODebugContext*) override {
    return IOStatus::OK();
  }

 private:
  SimFileSystem* fs_;
  InodePtr inode_;
  std::string path_;
  uint64_t generation_;
};

class SimFileSystem::WritableFile : public rocksdb::FSWritableFile {
 public:
  WritableFile(SimFileSystem* fs, InodePtr inode, std::string path)
      : fs_(fs), inode_(std::move(inode)), path_(std::move(path)), generation_(fs->generation_) {}

  IOStatus Append(const Slice& data, const IOOptions&, IODebugContext*) override {
    return fs_->WriteAt(*inode_, path_, generation_, inode_->data.size(), data);
  }
  IOStatus Append(const Slice& data, const IOOptions& o, const rocksdb::DataVerificationInfo&,
                  IODebugContext* d) override {
    return Append(data, o, d);
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions&,
                            IODebugContext*) override {
    return fs_->WriteAt(*inode_, path_, generation_, offset, data);
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& o,
                            const rocksdb::DataVerificationInfo&, IODebugContext* d) override {
    return PositionedAppend(data, offset, o, d);
  }
  IOStatus Truncate(uint64_t size, const IOOptions&, IODebugContext*) override {
    return fs_->TruncateInode(*inode_, path_, generation_, size);
  }
  IOStatus Close(const IOOptions&, IODebugContext*) override {
    return fs_->Begin(OpKind::kMetadata, "fs.close", path_, /*mutation=*/false);
  }
  IOStatus Flush(const IOOptions&, IODebugContext*) override { return IOStatus::OK(); }
  IOStatus Sync(const IOOptions&, IODebugContext*) override {
    return fs_->SyncFile(*inode_, path_, generation_);
  }
  IOStatus Fsync(const IOOptions&, IODebugContext*) override {
    return fs_->SyncFile(*inode_, path_, generation_);
  }
  // sync_file_range gives no durability guarantee: counted, nothing made durable.
  IOStatus RangeSync(uint64_t, uint64_t, const IOOptions&, IODebugContext*) override {
    return fs_->Begin(OpKind::kMetadata, "fs.range_sync", path_, /*mutation=*/true);
  }
  bool IsSyncThreadSafe() const override { return true; }
  uint64_t GetFileSize(const IOOptions&, IODebugContext*) override { return inode_->data.size(); }
  IOStatus InvalidateCache(size_t, size_t) override { return IOStatus::OK(); }
  IOStatus Allocate(uint64_t, uint64_t, const IOOptions&, IODebugContext*) override {
    return IOStatus::OK();
  }
  void PrepareWrite(size_t, size_t, const IOOptions&, IODebugContext*) override {}

 private:
  SimFileSystem* fs_;
  InodePtr inode_;
  std::string path_;
  uint64_t generation_;
};

class SimFileSystem::Directory : public rocksdb::FSDirectory {
 public:
  Directory(SimFileSystem* fs, std::string path) : fs_(fs), path_(std::move(path)) {}
  IOStatus Fsync(const IOOptions&, IODebugContext*) override { return fs_->SyncDirectory(path_); }
  IOStatus FsyncWithDirOptions(const IOOptions&, IODebugContext*,
                               const rocksdb::DirFsyncOptions&) override {
    return fs_->SyncDirectory(path_);
  }
  IOStatus Close(const IOOptions&, IODebugContext*) override { return IOStatus::OK(); }

 private:
  SimFileSystem* fs_;
  std::string path_;
};

class SimFileSystem::Lock : public rocksdb::FileLock {
 public:
  Lock(std::string path, uint64_t generation) : path(std::move(path)), generation(generation) {}
  std::string path;
  uint64_t generation;
};

// ------------------------------------------------------------------ core

SimFileSystem::SimFileSystem(VirtualClock* clock, Random rng, Trace* trace, DiskOptions options)
    : clock_(clock),
      rng_(std::move(rng)),
      trace_(trace),
      options_(options),
      owner_thread_(std::this_thread::get_id()) {
  MQSIM_ASSERT(clock_ != nullptr && trace_ != nullptr);
  dirs_.insert("/");
}

SimFileSystem::~SimFileSystem() = default;

void SimFileSystem::AssertThread() const {
  MQSIM_ASSERT_MSG(std::this_thread::get_id() == owner_thread_,
                   "SimFileSystem used from a thread other than the simulation's");
}

std::string SimFileSystem::Normalize(const std::string& path) {
  std::string p = path.empty() || path[0] != '/' ? "/" + path : path;
  std::string out;
  out.reserve(p.size());
  for (char c : p) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;  // collapse "//"
    out.push_back(c);
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string SimFileSystem::Parent(const std::string& path) {
  const size_t pos = path.rfind('/');
  return pos == 0 || pos == std::string::npos ? "/" : path.substr(0, pos);
}

uint64_t SimFileSystem::HashBytes(const char* data, size_t n) const {
  return options_.hash_contents ? XXH3_64bits(data, n) : 0;
}

void SimFileSystem::Spend(const LatencyDistribution& d) {
  if (!d.enabled()) return;
  Duration spent = d.min;
  if (d.max > d.min) spent += Duration::Nanos(rng_.Uniform(0, (d.max - d.min).nanos()));
  if (d.stall_probability > 0 && rng_.Chance(d.stall_probability)) spent += d.stall;
  clock_->Advance(spent);
}

bool SimFileSystem::Inject(double probability) {
  return probability > 0 && rng_.Chance(probability);
}

IOStatus SimFileSystem::Begin(OpKind kind, const char* op, const std::string& path, bool mutation) {
  AssertThread();
  ++op_counts_[op];
  if (++total_ops_ == power_off_at_op_) {
    powered_off_ = true;
    power_off_at_op_ = 0;
    trace_->Event("fs.power_off").Kv("op", total_ops_);
    if (power_off_hook_) power_off_hook_();
  }
  if (mutation && powered_off_) {
    trace_->Event(op).Kv("path", path).Kv("err", "powered-off");
    return IOStatus::IOError("disk powered off", path);
  }
  const DiskLatency& l = options_.latency;
  switch (kind) {
    case OpKind::kRead:
      Spend(l.read);
      break;
    case OpKind::kWrite:
      Spend(l.write);
      break;
    case OpKind::kSync:
      Spend(l.sync);
      break;
    case OpKind::kDirSync:
      Spend(l.dir_sync);
      break;
    case OpKind::kMetadata:
      Spend(l.metadata);
      break;
  }
  return IOStatus::OK();
}

SimFileSystem::InodePtr SimFileSystem::NewInode() {
  auto inode = std::make_shared<Inode>();
  inode->id = next_inode_++;
  return inode;
}

IOStatus SimFileSystem::ReserveSpace(uint64_t old_size, uint64_t new_size) {
  if (new_size <= old_size) return IOStatus::OK();
  const uint64_t grow = new_size - old_size;
  if (used_bytes_ + grow > options_.capacity_bytes || used_bytes_ + grow < used_bytes_) {
    ++nospace_errors_;
    return IOStatus::NoSpace("simulated disk full");
  }
  return IOStatus::OK();
}

IOStatus SimFileSystem::ReadAt(const Inode& inode, const std::string& path, uint64_t generation,
                               uint64_t offset, size_t n, Slice* result, char* scratch) {
  IOStatus s = Begin(OpKind::kRead, "fs.read", path, /*mutation=*/false);
  if (!s.ok()) return s;
  if (generation != generation_) {
    trace_->Event("fs.read").Kv("path", path).Kv("err", "stale-handle");
    return IOStatus::IOError("stale file handle: its process crashed", path);
  }
  if (Inject(options_.faults.read_error)) {
    trace_->Event("fs.read").Kv("path", path).Kv("off", offset).Kv("err", "injected");
    return IOStatus::IOError("injected read error", path);
  }
  const size_t k = inode.data.Read(offset, n, scratch);
  bool corrupted = false;
  if (k > 0 && Inject(options_.faults.read_corruption)) {
    const uint64_t bit = rng_.Below(k * 8);
    scratch[bit / 8] = static_cast<char>(scratch[bit / 8] ^ (1 << (bit % 8)));
    corrupted = true;
  }
  *result = Slice(scratch, k);
  trace_->Event("fs.read")
      .Kv("path", path)
      .Kv("off", offset)
      .Kv("len", static_cast<uint64_t>(k))
      .Kv("hash", HashBytes(scratch, k))
      .Kv("corrupt", corrupted);
  return IOStatus::OK();
}

IOStatus SimFileSystem::WriteAt(Inode& inode, const std::string& path, uint64_t generation,
                                uint64_t offset, const Slice& data) {
  IOStatus s = Begin(OpKind::kWrite, "fs.write", path, /*mutation=*/true);
  if (!s.ok()) return s;
  if (generation != generation_) {
    trace_->Event("fs.write").Kv("path", path).Kv("err", "stale-handle");
    return IOStatus::IOError("stale file handle: its process crashed", path);
  }
  if (Inject(options_.faults.write_error)) {
    trace_->Event("fs.write").Kv("path", path).Kv("off", offset).Kv("err", "injected");
    return IOStatus::IOError("injected write error", path);
  }
  const uint64_t old_size = inode.data.size();
  const uint64_t new_size = std::max<uint64_t>(old_size, offset + data.size());
  if (inode.linked) {
    s = ReserveSpace(old_size, new_size);
    if (!s.ok()) {
      trace_->Event("fs.write").Kv("path", path).Kv("len", data.size()).Kv("err", "nospace");
      return s;
    }
    used_bytes_ += new_size - old_size;
  }
  if (offset == old_size) {
    inode.data.Append(std::string_view(data.data(), data.size()));
  } else {
    inode.data.WriteAt(offset, std::string_view(data.data(), data.size()));
    if (offset < inode.durable.size()) inode.rewritten_since_sync = true;
  }
  trace_->Event("fs.write")
      .Kv("path", path)
      .Kv("off", offset)
      .Kv("len", static_cast<uint64_t>(data.size()))
      .Kv("hash", HashBytes(data.data(), data.size()));
  return IOStatus::OK();
}

IOStatus SimFileSystem::TruncateInode(Inode& inode, const std::string& path, uint64_t generation,
                                      uint64_t size) {
  IOStatus s = Begin(OpKind::kWrite, "fs.truncate", path, /*mutation=*/true);
  if (!s.ok()) return s;
  if (generation != generation_) return IOStatus::IOError("stale file handle", path);
  const uint64_t old_size = inode.data.size();
  if (inode.linked) {
    s = ReserveSpace(old_size, size);
    if (!s.ok()) return s;
    used_bytes_ = used_bytes_ - old_size + size;
  }
  inode.data.Resize(size);
  if (size < inode.durable.size()) inode.rewritten_since_sync = true;
  trace_->Event("fs.truncate").Kv("path", path).Kv("size", size);
  return IOStatus::OK();
}

void SimFileSystem::SyncInode(Inode& inode) {
  if (!inode.rewritten_since_sync && inode.durable.size() <= inode.data.size()) {
    // Only appended to since the last sync: the platter content is a prefix of the page
    // cache (Inode's invariant), so the platter takes the page cache's chunks from its own
    // end onward: no bytes copied, O(new chunks) (ExtendToShare spot-checks the prefix).
    // Copying the whole file made a file synced after every append (a WAL under
    // produceSync, a natsmq block under sync always) quadratic over its life; copying the
    // new tail was still 8-16% of such runs.
    inode.durable.ExtendToShare(inode.data);
  } else {
    inode.durable = inode.data;  // shares every chunk; later writes copy what they change
  }
  inode.rewritten_since_sync = false;
}

IOStatus SimFileSystem::SyncFile(Inode& inode, const std::string& path, uint64_t generation) {
  IOStatus s = Begin(OpKind::kSync, "fs.sync", path, /*mutation=*/true);
  if (!s.ok()) return s;
  if (generation != generation_) return IOStatus::IOError("stale file handle", path);
  if (Inject(options_.faults.sync_error)) {
    trace_->Event("fs.sync").Kv("path", path).Kv("err", "injected");
    return IOStatus::IOError("injected fsync error", path);
  }
  const uint64_t before = inode.rewritten_since_sync ? 0 : inode.durable.size();
  SyncInode(inode);
  trace_->Event("fs.sync")
      .Kv("path", path)
      .Kv("synced", static_cast<uint64_t>(inode.durable.size()))
      .Kv("newly_durable", static_cast<uint64_t>(inode.durable.size() - before));
  return IOStatus::OK();
}

void SimFileSystem::MakeDirectoryDurable(const std::string& dir) {
  const std::string prefix = dir == "/" ? "/" : dir + "/";
  auto in_dir = [&](const std::string& path) {
    return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
           path.find('/', prefix.size()) == std::string::npos;
  };
  for (auto it = durable_files_.lower_bound(prefix);
       it != durable_files_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
    it = in_dir(it->first) ? durable_files_.erase(it) : std::next(it);
  }
  for (auto it = files_.lower_bound(prefix);
       it != files_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    if (in_dir(it->first)) durable_files_[it->first] = it->second;
  }
}

IOStatus SimFileSystem::SyncDirectory(const std::string& dir) {
  IOStatus s = Begin(OpKind::kDirSync, "fs.dir_sync", dir, /*mutation=*/true);
  if (!s.ok()) return s;
  MakeDirectoryDurable(dir);
  trace_->Event("fs.dir_sync").Kv("path", dir);
  return IOStatus::OK();
}

void SimFileSystem::AfterNamespaceChange(const std::string& path) {
  if (options_.profile == PersistenceProfile::kExt4Ordered) MakeDirectoryDurable(Parent(path));
}

// ------------------------------------------------------------------ crashes and images

void SimFileSystem::CrashProcess() {
  AssertThread();
  ++generation_;
  locks_.clear();
  trace_->Event("fs.crash_process").Kv("generation", generation_);
  CheckInvariants();
}

void SimFileSystem::CheckInvariants() const {
  uint64_t used = 0;
  for (const auto& [path, inode] : files_) {
    MQSIM_ASSERT_MSG(inode->linked, path.c_str());
    used += inode->data.size();
  }
  MQSIM_ASSERT_MSG(used == used_bytes_, "used bytes are the sum of the live files' sizes");
  auto prefix_rule = [](const std::string& path, const Inode& inode) {
    MQSIM_ASSERT_MSG(inode.rewritten_since_sync || inode.data.StartsWith(inode.durable),
                     ("the platter is a prefix of the page cache: " + path).c_str());
  };
  for (const auto& [path, inode] : files_) prefix_rule(path, *inode);
  for (const auto& [path, inode] : durable_files_) prefix_rule(path, *inode);
}

void SimFileSystem::PowerLoss(PowerLossMode mode) {
  AssertThread();
  std::map<uint64_t, InodePtr> survivors;  // old inode id -> its post-crash inode
  std::map<std::string, InodePtr> files;
  uint64_t lost_bytes = 0;
  for (const auto& [path, inode] : durable_files_) {
    auto found = survivors.find(inode->id);
    if (found == survivors.end()) {
      ChunkedBytes keep = inode->durable;
      const bool appended_tail = !inode->rewritten_since_sync && inode->data.size() > keep.size() &&
                                 inode->data.StartsWith(keep);
      if (appended_tail && mode != PowerLossMode::kDropUnsynced) {
        const uint64_t synced = keep.size();
        const uint64_t extra = rng_.Below(inode->data.size() - synced + 1);
        keep.AppendFrom(inode->data, synced, extra);
        if (mode == PowerLossMode::kTornTail && extra > 0) {
          // Zero one unsynced sector of the last 4 KiB block kept.
          const uint64_t block_start = (keep.size() - 1) / kBlockBytes * kBlockBytes;
          const uint64_t first = std::max(block_start, synced) / kSectorBytes * kSectorBytes;
          const uint64_t sectors = (keep.size() - first + kSectorBytes - 1) / kSectorBytes;
          const uint64_t sector = first + rng_.Below(sectors) * kSectorBytes;
          const uint64_t from = std::max(sector, synced);
          const uint64_t to = std::min<uint64_t>(sector + kSectorBytes, keep.size());
          keep.Fill(from, to - from, '\0');
        }
      }
      lost_bytes += inode->data.size() > keep.size() ? inode->data.size() - keep.size() : 0;
      auto fresh = NewInode();
      fresh->data = keep;
      fresh->durable = std::move(keep);
      found = survivors.emplace(inode->id, std::move(fresh)).first;
    }
    files[path] = found->second;
  }
  files_ = files;
  durable_files_ = std::move(files);
  used_bytes_ = 0;
  for (const auto& [id, inode] : survivors) used_bytes_ += inode->data.size();
  ++generation_;
  locks_.clear();
  powered_off_ = false;
  trace_->Event("fs.power_loss")
      .Kv("mode", static_cast<int64_t>(mode))
      .Kv("files", static_cast<uint64_t>(files_.size()))
      .Kv("lost_bytes", lost_bytes);
  CheckInvariants();
}

DiskImage SimFileSystem::DurableImage() const {
  DiskImage image;
  for (const auto& [path, inode] : durable_files_) image.files[path] = inode->durable.ToString();
  image.dirs = dirs_;
  return image;
}

DiskImage SimFileSystem::LiveImage() const {
  DiskImage image;
  for (const auto& [path, inode] : files_) image.files[path] = inode->data.ToString();
  image.dirs = dirs_;
  return image;
}

std::vector<DiskImage> SimFileSystem::EnumeratePowerLossImages(size_t max_images) const {
  // Dimensions: per directory whose live entries differ from its durable ones, {durable,
  // live}; per inode with unsynced data, the candidate contents. Choice 0 of every dimension
  // is "nothing unsynced survived"; the last is "everything survived".
  std::vector<std::string> pending_dirs;
  for (const std::string& dir : dirs_) {
    const std::string prefix = dir == "/" ? "/" : dir + "/";
    auto entries = [&](const std::map<std::string, InodePtr>& ns) {
      std::vector<std::pair<std::string, uint64_t>> out;
      for (auto it = ns.lower_bound(prefix);
           it != ns.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
        if (it->first.find('/', prefix.size()) == std::string::npos) {
          out.emplace_back(it->first, it->second->id);
        }
      }
      return out;
    };
    if (entries(files_) != entries(durable_files_)) pending_dirs.push_back(dir);
  }
  std::map<uint64_t, std::vector<std::string>> contents;  // inode id -> candidates
  auto add_inode = [&](const InodePtr& inode) {
    if (contents.count(inode->id)) return;
    std::vector<std::string> c{inode->durable.ToString()};
    if (!(inode->data == inode->durable)) {
      if (!inode->rewritten_since_sync && inode->data.size() > inode->durable.size()) {
        const uint64_t tail = inode->data.size() - inode->durable.size();
        const uint64_t half = inode->durable.size() + tail / 2 / kSectorBytes * kSectorBytes;
        if (half > inode->durable.size()) c.push_back(inode->data.Substr(0, half));
      }
      c.push_back(inode->data.ToString());
    }
    contents.emplace(inode->id, std::move(c));
  };
  for (const auto& [path, inode] : durable_files_) add_inode(inode);
  for (const auto& [path, inode] : files_) add_inode(inode);

  std::vector<size_t> radix(pending_dirs.size(), 2);
  std::vector<uint64_t> inode_ids;
  for (const auto& [id, c] : contents) {
    if (c.size() > 1) {
      inode_ids.push_back(id);
      radix.push_back(c.size());
    }
  }
  auto build = [&](const std::vector<size_t>& choice) {
    DiskImage image;
    image.dirs = dirs_;
    std::map<uint64_t, size_t> pick;
    for (size_t i = 0; i < inode_ids.size(); ++i)
      pick[inode_ids[i]] = choice[pending_dirs.size() + i];
    auto add = [&](const std::string& path, const InodePtr& inode) {
      auto p = pick.find(inode->id);
      image.files[path] = contents.at(inode->id)[p == pick.end() ? 0 : p->second];
    };
    for (const std::string& dir : dirs_) {
      const auto d = std::find(pending_dirs.begin(), pending_dirs.end(), dir);
      const bool live =
          d != pending_dirs.end() && choice[static_cast<size_t>(d - pending_dirs.begin())] == 1;
      const auto& ns = live ? files_ : durable_files_;
      const std::string prefix = dir == "/" ? "/" : dir + "/";
      for (auto it = ns.lower_bound(prefix);
           it != ns.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
        if (it->first.find('/', prefix.size()) == std::string::npos) add(it->first, it->second);
      }
    }
    return image;
  };
  std::vector<DiskImage> images;
  std::set<uint64_t> seen;
  auto emit = [&](const std::vector<size_t>& choice) {
    if (images.size() >= max_images) return;
    DiskImage image = build(choice);
    if (seen.insert(image.Fingerprint()).second) images.push_back(std::move(image));
  };
  std::vector<size_t> all_max(radix.size());
  for (size_t i = 0; i < radix.size(); ++i) all_max[i] = radix[i] - 1;
  std::vector<size_t> choice(radix.size(), 0);
  emit(choice);
  emit(all_max);
  for (;;) {  // mixed-radix counter over every combination
    size_t i = 0;
    while (i < radix.size() && ++choice[i] == radix[i]) choice[i++] = 0;
    if (i == radix.size() || images.size() >= max_images) break;
    emit(choice);
  }
  return images;
}

void SimFileSystem::Restore(const DiskImage& image) {
  AssertThread();
  files_.clear();
  used_bytes_ = 0;
  for (const auto& [path, content] : image.files) {
    auto inode = NewInode();
    inode->data = ChunkedBytes(content);
    inode->durable = inode->data;
    used_bytes_ += content.size();
    files_[path] = std::move(inode);
  }
  durable_files_ = files_;
  dirs_ = image.dirs;
  dirs_.insert("/");
  ++generation_;
  locks_.clear();
  trace_->Event("fs.restore").Kv("image", image.Fingerprint());
}

std::vector<FileDurability> SimFileSystem::DurabilityFrontier() const {
  std::vector<FileDurability> out;
  for (const auto& [path, inode] : files_) {
    auto d = durable_files_.find(path);
    const bool entry_durable = d != durable_files_.end() && d->second == inode;
    out.push_back(FileDurability{path, inode->data.size(), inode->data.CommonPrefix(inode->durable),
                                 entry_durable});
  }
  return out;
}

void SimFileSystem::MakeDirs(const std::string& path) {
  const std::string p = Normalize(path);
  for (size_t pos = 1; pos != std::string::npos; pos = p.find('/', pos + 1)) {
    if (pos > 1) dirs_.insert(p.substr(0, pos));
  }
  dirs_.insert(p);
}

std::string SimFileSystem::ReadAll(const std::string& path) const {
  auto it = files_.find(Normalize(path));
  return it == files_.end() ? std::string() : it->second->data.ToString();
}

// ------------------------------------------------------------------ FileSystem API

IOStatus SimFileSystem::OpenForRead(const char* op, const std::string& fname, std::string* path,
                                    InodePtr* inode) {
  *path = Normalize(fname);
  IOStatus s = Begin(OpKind::kMetadata, op, *path, false);
  if (!s.ok()) return s;
  auto it = files_.find(*path);
  if (it == files_.end()) return IOStatus::PathNotFound("no such file", *path);
  *inode = it->second;
  trace_->Event(op).Kv("path", *path);
  return IOStatus::OK();
}

IOStatus SimFileSystem::NewSequentialFile(const std::string& fname, const FileOptions&,
                                          std::unique_ptr<rocksdb::FSSequentialFile>* result,
                                          IODebugContext*) {
  std::string p;
  InodePtr inode;
  const IOStatus s = OpenForRead("fs.open_read", fname, &p, &inode);
  if (s.ok()) *result = std::make_unique<SequentialFile>(this, inode, p);
  return s;
}

IOStatus SimFileSystem::NewRandomAccessFile(const std::string& fname, const FileOptions&,
                                            std::unique_ptr<rocksdb::FSRandomAccessFile>* result,
                                            IODebugContext*) {
  std::string p;
  InodePtr inode;
  const IOStatus s = OpenForRead("fs.open_random", fname, &p, &inode);
  if (s.ok()) *result = std::make_unique<RandomAccessFile>(this, inode, p);
  return s;
}

IOStatus SimFileSystem::NewWritableFile(const std::string& fname, const FileOptions&,
                                        std::unique_ptr<rocksdb::FSWritableFile>* result,
                                        IODebugContext*) {
  const std::string p = Normalize(fname);
  IOStatus s = Begin(OpKind::kMetadata, "fs.create", p, true);
  if (!s.ok()) return s;
  if (!dirs_.count(Parent(p))) return IOStatus::PathNotFound("no such directory", Parent(p));
  if (dirs_.count(p)) return IOStatus::IOError("is a directory", p);
  auto it = files_.find(p);
  InodePtr inode;
  if (it != files_.end()) {  // O_CREAT|O_TRUNC on an existing file: same inode, emptied
    inode = it->second;
    used_bytes_ -= inode->data.size();
    inode->data.Clear();
    if (!inode->durable.empty()) inode->rewritten_since_sync = true;
  } else {
    inode = NewInode();
    files_[p] = inode;
    AfterNamespaceChange(p);
  }
  *result = std::make_unique<WritableFile>(this, inode, p);
  trace_->Event("fs.create").Kv("path", p).Kv("inode", inode->id);
  return IOStatus::OK();
}

IOStatus SimFileSystem::ReopenWritableFile(const std::string& fname, const FileOptions&,
                                           std::unique_ptr<rocksdb::FSWritableFile>* result,
                                           IODebugContext*) {
  const std::string p = Normalize(fname);
  IOStatus s = Begin(OpKind::kMetadata, "fs.reopen", p, true);
  if (!s.ok()) return s;
  if (!dirs_.count(Parent(p))) return IOStatus::PathNotFound("no such directory", Parent(p));
  auto it = files_.find(p);
  InodePtr inode;
  if (it == files_.end()) {
    inode = NewInode();
    files_[p] = inode;
    AfterNamespaceChange(p);
  } else {
    inode = it->second;
  }
  *result = std::make_unique<WritableFile>(this, inode, p);
  trace_->Event("fs.reopen").Kv("path", p).Kv("size", static_cast<uint64_t>(inode->data.size()));
  return IOStatus::OK();
}

IOStatus SimFileSystem::ReuseWritableFile(const std::string& fname, const std::string&,
                                          const FileOptions&,
                                          std::unique_ptr<rocksdb::FSWritableFile>*,
                                          IODebugContext*) {
  return IOStatus::NotSupported("SimFileSystem does not recycle log files", fname);
}

IOStatus SimFileSystem::NewRandomRWFile(const std::string& fname, const FileOptions&,
                                        std::unique_ptr<rocksdb::FSRandomRWFile>*,
                                        IODebugContext*) {
  return IOStatus::NotSupported("SimFileSystem has no random read-write files", fname);
}

IOStatus SimFileSystem::NewDirectory(const std::string& name, const IOOptions&,
                                     std::unique_ptr<rocksdb::FSDirectory>* result,
                                     IODebugContext*) {
  const std::string p = Normalize(name);
  IOStatus s = Begin(OpKind::kMetadata, "fs.open_dir", p, false);
  if (!s.ok()) return s;
  if (!dirs_.count(p)) return IOStatus::PathNotFound("no such directory", p);
  *result = std::make_unique<Directory>(this, p);
  return IOStatus::OK();
}

IOStatus SimFileSystem::FileExists(const std::string& fname, const IOOptions&, IODebugContext*) {
  const std::string p = Normalize(fname);
  IOStatus s = Begin(OpKind::kMetadata, "fs.exists", p, false);
  if (!s.ok()) return s;
  const bool exists = files_.count(p) != 0 || dirs_.count(p) != 0;
  trace_->Event("fs.exists").Kv("path", p).Kv("exists", exists);
  return exists ? IOStatus::OK() : IOStatus::NotFound(p);
}

IOStatus SimFileSystem::GetChildren(const std::string& dir, const IOOptions&,
                                    std::vector<std::string>* result, IODebugContext*) {
  const std::string p = Normalize(dir);
  IOStatus s = Begin(OpKind::kMetadata, "fs.list", p, false);
  if (!s.ok()) return s;
  if (!dirs_.count(p)) return IOStatus::PathNotFound("no such directory", p);
  result->clear();
  const std::string prefix = p == "/" ? "/" : p + "/";
  auto collect = [&](auto begin, auto end, auto key) {
    for (auto it = begin; it != end; ++it) {
      const std::string& path = key(*it);
      if (path.compare(0, prefix.size(), prefix) != 0) break;
      if (path.size() > prefix.size() && path.find('/', prefix.size()) == std::string::npos) {
        result->push_back(path.substr(prefix.size()));
      }
    }
  };
  collect(files_.lower_bound(prefix), files_.end(),
          [](const auto& kv) -> const std::string& { return kv.first; });
  collect(dirs_.lower_bound(prefix), dirs_.end(),
          [](const std::string& d) -> const std::string& { return d; });
  std::sort(result->begin(), result->end());
  trace_->Event("fs.list").Kv("path", p).Kv("entries", static_cast<uint64_t>(result->size()));
  return IOStatus::OK();
}

IOStatus SimFileSystem::DeleteFile(const std::string& fname, const IOOptions&, IODebugContext*) {
  const std::string p = Normalize(fname);
  IOStatus s = Begin(OpKind::kMetadata, "fs.delete", p, true);
  if (!s.ok()) return s;
  auto it = files_.find(p);
  if (it == files_.end()) return IOStatus::PathNotFound("no such file", p);
  it->second->linked = false;
  used_bytes_ -= it->second->data.size();
  files_.erase(it);
  AfterNamespaceChange(p);
  trace_->Event("fs.delete").Kv("path", p);
  return IOStatus::OK();
}

IOStatus SimFileSystem::Truncate(const std::string& fname, size_t size, const IOOptions&,
                                 IODebugContext*) {
  const std::string p = Normalize(fname);
  auto it = files_.find(p);
  if (it == files_.end()) return IOStatus::PathNotFound("no such file", p);
  return TruncateInode(*it->second, p, generation_, size);
}

IOStatus SimFileSystem::CreateDir(const std::string& dirname, const IOOptions&, IODebugContext*) {
  const std::string p = Normalize(dirname);
  IOStatus s = Begin(OpKind::kMetadata, "fs.mkdir", p, true);
  if (!s.ok()) return s;
  if (dirs_.count(p) || files_.count(p)) return IOStatus::IOError("file exists", p);
  if (!dirs_.count(Parent(p))) return IOStatus::PathNotFound("no such directory", Parent(p));
  dirs_.insert(p);
  trace_->Event("fs.mkdir").Kv("path", p);
  return IOStatus::OK();
}

IOStatus SimFileSystem::CreateDirIfMissing(const std::string& dirname, const IOOptions&,
                                           IODebugContext*) {
  const std::string p = Normalize(dirname);
  IOStatus s = Begin(OpKind::kMetadata, "fs.mkdir", p, true);
  if (!s.ok()) return s;
  if (files_.count(p)) return IOStatus::IOError("exists and is not a directory", p);
  if (!dirs_.count(Parent(p))) return IOStatus::PathNotFound("no such directory", Parent(p));
  if (dirs_.insert(p).second) trace_->Event("fs.mkdir").Kv("path", p);
  return IOStatus::OK();
}

IOStatus SimFileSystem::DeleteDir(const std::string& dirname, const IOOptions&, IODebugContext*) {
  const std::string p = Normalize(dirname);
  IOStatus s = Begin(OpKind::kMetadata, "fs.rmdir", p, true);
  if (!s.ok()) return s;
  if (!dirs_.count(p)) return IOStatus::PathNotFound("no such directory", p);
  const std::string prefix = p + "/";
  auto child = files_.lower_bound(prefix);
  auto child_dir = dirs_.lower_bound(prefix);
  if ((child != files_.end() && child->first.compare(0, prefix.size(), prefix) == 0) ||
      (child_dir != dirs_.end() && child_dir->compare(0, prefix.size(), prefix) == 0)) {
    return IOStatus::IOError("directory not empty", p);
  }
  dirs_.erase(p);
  trace_->Event("fs.rmdir").Kv("path", p);
  return IOStatus::OK();
}

IOStatus SimFileSystem::GetFileSize(const std::string& fname, const IOOptions&, uint64_t* file_size,
                                    IODebugContext*) {
  const std::string p = Normalize(fname);
  IOStatus s = Begin(OpKind::kMetadata, "fs.stat", p, false);
  if (!s.ok()) return s;
  auto it = files_.find(p);
  if (it == files_.end()) return IOStatus::PathNotFound("no such file", p);
  *file_size = it->second->data.size();
  return IOStatus::OK();
}

IOStatus SimFileSystem::GetFileModificationTime(const std::string& fname, const IOOptions&,
                                                uint64_t* file_mtime, IODebugContext*) {
  const std::string p = Normalize(fname);
  if (!files_.count(p)) return IOStatus::PathNotFound("no such file", p);
  *file_mtime = static_cast<uint64_t>(clock_->wall_micros() / 1000000);
  return IOStatus::OK();
}

IOStatus SimFileSystem::RenameFile(const std::string& src, const std::string& target,
                                   const IOOptions&, IODebugContext*) {
  const std::string a = Normalize(src);
  const std::string b = Normalize(target);
  IOStatus s = Begin(OpKind::kMetadata, "fs.rename", a, true);
  if (!s.ok()) return s;
  auto it = files_.find(a);
  if (it == files_.end()) return IOStatus::PathNotFound("no such file", a);
  if (!dirs_.count(Parent(b))) return IOStatus::PathNotFound("no such directory", Parent(b));
  InodePtr inode = it->second;
  auto old = files_.find(b);
  if (old != files_.end() && old->second != inode) {
    old->second->linked = false;
    used_bytes_ -= old->second->data.size();
  }
  files_.erase(it);
  files_[b] = inode;
  if (options_.profile == PersistenceProfile::kExt4Ordered) SyncInode(*inode);  // auto_da_alloc
  AfterNamespaceChange(a);
  AfterNamespaceChange(b);
  trace_->Event("fs.rename").Kv("from", a).Kv("to", b);
  return IOStatus::OK();
}

IOStatus SimFileSystem::LinkFile(const std::string& src, const std::string&, const IOOptions&,
                                 IODebugContext*) {
  return IOStatus::NotSupported("SimFileSystem has no hard links", src);
}

IOStatus SimFileSystem::LockFile(const std::string& fname, const IOOptions&,
                                 rocksdb::FileLock** lock, IODebugContext*) {
  const std::string p = Normalize(fname);
  IOStatus s = Begin(OpKind::kMetadata, "fs.lock", p, true);
  if (!s.ok()) return s;
  if (!dirs_.count(Parent(p))) return IOStatus::PathNotFound("no such directory", Parent(p));
  if (locks_.count(p)) return IOStatus::IOError("lock held by another user", p);
  if (!files_.count(p)) {  // open(O_CREAT)
    files_[p] = NewInode();
    AfterNamespaceChange(p);
  }
  locks_.insert(p);
  *lock = new Lock(p, generation_);
  trace_->Event("fs.lock").Kv("path", p);
  return IOStatus::OK();
}

IOStatus SimFileSystem::UnlockFile(rocksdb::FileLock* lock, const IOOptions&, IODebugContext*) {
  std::unique_ptr<Lock> l(static_cast<Lock*>(lock));
  IOStatus s = Begin(OpKind::kMetadata, "fs.unlock", l->path, false);
  if (!s.ok()) return s;
  if (l->generation == generation_) locks_.erase(l->path);  // a crash already released it
  trace_->Event("fs.unlock").Kv("path", l->path);
  return IOStatus::OK();
}

IOStatus SimFileSystem::GetTestDirectory(const IOOptions&, std::string* path, IODebugContext*) {
  MakeDirs("/test");
  *path = "/test";
  return IOStatus::OK();
}

IOStatus SimFileSystem::NewLogger(const std::string& fname, const IOOptions&,
                                  std::shared_ptr<rocksdb::Logger>*, IODebugContext*) {
  return IOStatus::NotSupported("set Options::info_log (see sim/rocksdb_options.h)", fname);
}

IOStatus SimFileSystem::GetAbsolutePath(const std::string& db_path, const IOOptions&,
                                        std::string* output_path, IODebugContext*) {
  *output_path = Normalize(db_path);
  return IOStatus::OK();
}

IOStatus SimFileSystem::IsDirectory(const std::string& path, const IOOptions&, bool* is_dir,
                                    IODebugContext*) {
  const std::string p = Normalize(path);
  if (!dirs_.count(p) && !files_.count(p)) return IOStatus::PathNotFound(p);
  *is_dir = dirs_.count(p) != 0;
  return IOStatus::OK();
}

IOStatus SimFileSystem::GetFreeSpace(const std::string&, const IOOptions&, uint64_t* diskfree,
                                     IODebugContext*) {
  *diskfree = options_.capacity_bytes > used_bytes_ ? options_.capacity_bytes - used_bytes_ : 0;
  return IOStatus::OK();
}

}  // namespace mqsim::sim
