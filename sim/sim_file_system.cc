// SimFileSystem's core: operation accounting (the power switch and crash points, latency,
// injected faults, tracing), the operations on one inode's contents that file handles
// perform, process crashes, power loss, whole-disk images and the disk's invariants. The
// rocksdb::FileSystem entry points and the handles are in sim_file_system_rocksdb.cc.
#include "sim/sim_file_system.h"

#include <xxhash.h>

#include <string_view>

#include "base/assert.h"
#include "sim/power_loss.h"

namespace mqsim::sim {

using rocksdb::IOStatus;
using rocksdb::Slice;

std::string_view ToString(PersistenceProfile p) {
  switch (p) {
    case PersistenceProfile::kStrictPosix:
      return "strict-posix";
    case PersistenceProfile::kExt4Ordered:
      return "ext4-ordered";
  }
  return "?";
}

// ------------------------------------------------------------------ operations

SimFileSystem::SimFileSystem(VirtualClock* clock, Random rng, Trace* trace, DiskOptions options)
    : clock_(clock),
      rng_(std::move(rng)),
      trace_(trace),
      options_(options),
      owner_thread_(std::this_thread::get_id()) {
  MQSIM_ASSERT(clock_ != nullptr && trace_ != nullptr);
}

SimFileSystem::~SimFileSystem() = default;

void SimFileSystem::AssertThread() const {
  MQSIM_ASSERT_MSG(std::this_thread::get_id() == owner_thread_,
                   "SimFileSystem used from a thread other than the simulation's");
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

IOStatus SimFileSystem::NoSpace() {
  ++nospace_errors_;
  return IOStatus::NoSpace("simulated disk full");
}

InodePtr SimFileSystem::CreateInode(const std::string& path) {
  InodePtr inode = inodes_.New();
  ns_.Link(path, inode);
  AfterNamespaceChange(path);
  return inode;
}

void SimFileSystem::AfterNamespaceChange(const std::string& path) {
  if (options_.profile == PersistenceProfile::kExt4Ordered) {
    ns_.MakeDurable(DiskNamespace::Parent(path));
  }
}

// ------------------------------------------------------------------ one inode's contents

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
  if (!inodes_.Write(inode, offset, std::string_view(data.data(), data.size()),
                     options_.capacity_bytes)) {
    trace_->Event("fs.write").Kv("path", path).Kv("len", data.size()).Kv("err", "nospace");
    return NoSpace();
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
  if (!inodes_.Resize(inode, size, options_.capacity_bytes)) return NoSpace();
  trace_->Event("fs.truncate").Kv("path", path).Kv("size", size);
  return IOStatus::OK();
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
  inode.Sync();
  MQSIM_ASSERT(inode.durable.size() == inode.data.size());
  trace_->Event("fs.sync")
      .Kv("path", path)
      .Kv("synced", static_cast<uint64_t>(inode.durable.size()))
      .Kv("newly_durable", static_cast<uint64_t>(inode.durable.size() - before));
  return IOStatus::OK();
}

IOStatus SimFileSystem::SyncDirectory(const std::string& dir) {
  IOStatus s = Begin(OpKind::kDirSync, "fs.dir_sync", dir, /*mutation=*/true);
  if (!s.ok()) return s;
  ns_.MakeDurable(dir);
  trace_->Event("fs.dir_sync").Kv("path", dir);
  return IOStatus::OK();
}

// ------------------------------------------------------------------ crashes and images

void SimFileSystem::EndProcess() {
  ++generation_;
  locks_.clear();
}

void SimFileSystem::CrashProcess() {
  AssertThread();
  EndProcess();
  trace_->Event("fs.crash_process").Kv("generation", generation_);
  CheckInvariants();
}

void SimFileSystem::CheckInvariants() const {
  std::set<const Inode*> named;  // the inodes with a live name
  uint64_t used = 0;
  for (const auto& [path, inode] : ns_.live()) {
    MQSIM_ASSERT_MSG(inode->linked, ("a file of the live namespace is linked: " + path).c_str());
    if (named.insert(inode.get()).second) used += inode->data.size();
  }
  MQSIM_ASSERT_MSG(used == inodes_.used_bytes(), "used bytes are the sum of the linked inodes");
  for (const auto& [path, inode] : ns_.durable()) {
    MQSIM_ASSERT_MSG(!inode->linked || named.count(inode.get()) != 0,
                     ("an inode without a live name is unlinked: " + path).c_str());
  }
  auto prefix_rule = [](const std::string& path, const Inode& inode) {
    MQSIM_ASSERT_MSG(inode.rewritten_since_sync || inode.data.StartsWith(inode.durable),
                     ("the platter is a prefix of the page cache: " + path).c_str());
  };
  for (const auto& [path, inode] : ns_.live()) prefix_rule(path, *inode);
  for (const auto& [path, inode] : ns_.durable()) prefix_rule(path, *inode);
  if (options_.profile == PersistenceProfile::kExt4Ordered) {
    MQSIM_ASSERT_MSG(ns_.live() == ns_.durable(),
                     "ext4-ordered: every namespace change is durable at once");
  }
}

void SimFileSystem::PowerLoss(PowerLossMode mode) {
  AssertThread();
  uint64_t lost_bytes = 0;
  inodes_.ReleaseAll();  // every inode is replaced by its survivor
  ns_.ResetFiles(DrawPowerLoss(ns_, mode, rng_, inodes_, &lost_bytes));
  EndProcess();
  powered_off_ = false;
  trace_->Event("fs.power_loss")
      .Kv("mode", static_cast<int64_t>(mode))
      .Kv("files", static_cast<uint64_t>(ns_.live().size()))
      .Kv("lost_bytes", lost_bytes);
  CheckInvariants();
}

DiskImage SimFileSystem::DurableImage() const {
  DiskImage image;
  for (const auto& [path, inode] : ns_.durable()) image.files[path] = inode->durable.ToString();
  image.dirs = ns_.dirs();
  return image;
}

DiskImage SimFileSystem::LiveImage() const {
  DiskImage image;
  for (const auto& [path, inode] : ns_.live()) image.files[path] = inode->data.ToString();
  image.dirs = ns_.dirs();
  return image;
}

std::vector<DiskImage> SimFileSystem::EnumeratePowerLossImages(size_t max_images) const {
  return sim::EnumeratePowerLossImages(ns_, max_images);
}

void SimFileSystem::Restore(const DiskImage& image) {
  AssertThread();
  inodes_.ReleaseAll();  // every inode is replaced
  DiskNamespace::Files files;
  for (const auto& [path, content] : image.files) {
    files[path] = inodes_.New(ChunkedBytes(content));
  }
  ns_.ResetFiles(std::move(files));
  ns_.ResetDirs(image.dirs);
  EndProcess();
  trace_->Event("fs.restore").Kv("image", image.Fingerprint());
  CheckInvariants();
}

std::vector<FileDurability> SimFileSystem::DurabilityFrontier() const {
  std::vector<FileDurability> out;
  for (const auto& [path, inode] : ns_.live()) {
    out.push_back(FileDurability{path, inode->data.size(), inode->data.CommonPrefix(inode->durable),
                                 ns_.EntryDurable(path, inode)});
  }
  return out;
}

void SimFileSystem::MakeDirs(const std::string& path) {
  ns_.MakeDirs(DiskNamespace::Normalize(path));
}

std::string SimFileSystem::ReadAll(const std::string& path) const {
  const InodePtr inode = ns_.Find(DiskNamespace::Normalize(path));
  return inode == nullptr ? std::string() : inode->data.ToString();
}

std::vector<std::pair<std::string, uint64_t>> SimFileSystem::FilesIn(const std::string& dir) const {
  const std::string p = DiskNamespace::Normalize(dir);
  std::vector<std::pair<std::string, uint64_t>> out;
  if (!ns_.IsDir(p)) return out;
  for (const std::string& name : ns_.Children(p)) {
    const InodePtr inode = ns_.Find(p + "/" + name);
    if (inode != nullptr) out.emplace_back(name, inode->data.size());
  }
  return out;
}

}  // namespace mqsim::sim
