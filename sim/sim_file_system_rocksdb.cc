// SimFileSystem as a rocksdb::FileSystem: the file handles it gives out and every entry
// point of the interface. Each entry point is one counted, traced operation (Begin) on the
// namespace (disk_namespace.h) and the inodes (inode.h); handles call back into the
// operations on one inode's contents (sim_file_system.cc).
#include <algorithm>
#include <memory>

#include "sim/sim_file_system.h"

namespace mqsim::sim {

using rocksdb::FileOptions;
using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

namespace {
std::string Normalize(const std::string& path) { return DiskNamespace::Normalize(path); }
std::string Parent(const std::string& path) { return DiskNamespace::Parent(path); }
}  // namespace

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

// ------------------------------------------------------------------ FileSystem API

IOStatus SimFileSystem::OpenForRead(const char* op, const std::string& fname, std::string* path,
                                    InodePtr* inode) {
  *path = Normalize(fname);
  IOStatus s = Begin(OpKind::kMetadata, op, *path, false);
  if (!s.ok()) return s;
  *inode = ns_.Find(*path);
  if (*inode == nullptr) return IOStatus::PathNotFound("no such file", *path);
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
  if (!ns_.IsDir(Parent(p))) return IOStatus::PathNotFound("no such directory", Parent(p));
  if (ns_.IsDir(p)) return IOStatus::IOError("is a directory", p);
  InodePtr inode = ns_.Find(p);
  if (inode != nullptr) {  // O_CREAT|O_TRUNC on an existing file: same inode, emptied
    inodes_.Empty(*inode);
  } else {
    inode = CreateInode(p);
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
  if (!ns_.IsDir(Parent(p))) return IOStatus::PathNotFound("no such directory", Parent(p));
  InodePtr inode = ns_.Find(p);
  if (inode == nullptr) inode = CreateInode(p);
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
  if (!ns_.IsDir(p)) return IOStatus::PathNotFound("no such directory", p);
  *result = std::make_unique<Directory>(this, p);
  return IOStatus::OK();
}

IOStatus SimFileSystem::FileExists(const std::string& fname, const IOOptions&, IODebugContext*) {
  const std::string p = Normalize(fname);
  IOStatus s = Begin(OpKind::kMetadata, "fs.exists", p, false);
  if (!s.ok()) return s;
  const bool exists = ns_.IsFile(p) || ns_.IsDir(p);
  trace_->Event("fs.exists").Kv("path", p).Kv("exists", exists);
  return exists ? IOStatus::OK() : IOStatus::NotFound(p);
}

IOStatus SimFileSystem::GetChildren(const std::string& dir, const IOOptions&,
                                    std::vector<std::string>* result, IODebugContext*) {
  const std::string p = Normalize(dir);
  IOStatus s = Begin(OpKind::kMetadata, "fs.list", p, false);
  if (!s.ok()) return s;
  if (!ns_.IsDir(p)) return IOStatus::PathNotFound("no such directory", p);
  *result = ns_.Children(p);
  trace_->Event("fs.list").Kv("path", p).Kv("entries", static_cast<uint64_t>(result->size()));
  return IOStatus::OK();
}

IOStatus SimFileSystem::DeleteFile(const std::string& fname, const IOOptions&, IODebugContext*) {
  const std::string p = Normalize(fname);
  IOStatus s = Begin(OpKind::kMetadata, "fs.delete", p, true);
  if (!s.ok()) return s;
  const InodePtr inode = ns_.Find(p);
  if (inode == nullptr) return IOStatus::PathNotFound("no such file", p);
  inodes_.Unlink(*inode);
  ns_.Unlink(p);
  AfterNamespaceChange(p);
  trace_->Event("fs.delete").Kv("path", p);
  return IOStatus::OK();
}

IOStatus SimFileSystem::Truncate(const std::string& fname, size_t size, const IOOptions&,
                                 IODebugContext*) {
  const std::string p = Normalize(fname);
  const InodePtr inode = ns_.Find(p);
  if (inode == nullptr) return IOStatus::PathNotFound("no such file", p);
  return TruncateInode(*inode, p, generation_, size);
}

IOStatus SimFileSystem::CreateDir(const std::string& dirname, const IOOptions&, IODebugContext*) {
  const std::string p = Normalize(dirname);
  IOStatus s = Begin(OpKind::kMetadata, "fs.mkdir", p, true);
  if (!s.ok()) return s;
  if (ns_.IsDir(p) || ns_.IsFile(p)) return IOStatus::IOError("file exists", p);
  if (!ns_.IsDir(Parent(p))) return IOStatus::PathNotFound("no such directory", Parent(p));
  ns_.AddDir(p);
  trace_->Event("fs.mkdir").Kv("path", p);
  return IOStatus::OK();
}

IOStatus SimFileSystem::CreateDirIfMissing(const std::string& dirname, const IOOptions&,
                                           IODebugContext*) {
  const std::string p = Normalize(dirname);
  IOStatus s = Begin(OpKind::kMetadata, "fs.mkdir", p, true);
  if (!s.ok()) return s;
  if (ns_.IsFile(p)) return IOStatus::IOError("exists and is not a directory", p);
  if (!ns_.IsDir(Parent(p))) return IOStatus::PathNotFound("no such directory", Parent(p));
  if (ns_.AddDir(p)) trace_->Event("fs.mkdir").Kv("path", p);
  return IOStatus::OK();
}

IOStatus SimFileSystem::DeleteDir(const std::string& dirname, const IOOptions&, IODebugContext*) {
  const std::string p = Normalize(dirname);
  IOStatus s = Begin(OpKind::kMetadata, "fs.rmdir", p, true);
  if (!s.ok()) return s;
  if (!ns_.IsDir(p)) return IOStatus::PathNotFound("no such directory", p);
  if (ns_.HasDescendants(p)) return IOStatus::IOError("directory not empty", p);
  ns_.RemoveDir(p);
  trace_->Event("fs.rmdir").Kv("path", p);
  return IOStatus::OK();
}

IOStatus SimFileSystem::GetFileSize(const std::string& fname, const IOOptions&, uint64_t* file_size,
                                    IODebugContext*) {
  const std::string p = Normalize(fname);
  IOStatus s = Begin(OpKind::kMetadata, "fs.stat", p, false);
  if (!s.ok()) return s;
  const InodePtr inode = ns_.Find(p);
  if (inode == nullptr) return IOStatus::PathNotFound("no such file", p);
  *file_size = inode->data.size();
  return IOStatus::OK();
}

IOStatus SimFileSystem::GetFileModificationTime(const std::string& fname, const IOOptions&,
                                                uint64_t* file_mtime, IODebugContext*) {
  const std::string p = Normalize(fname);
  if (!ns_.IsFile(p)) return IOStatus::PathNotFound("no such file", p);
  *file_mtime = static_cast<uint64_t>(clock_->wall_micros() / 1000000);
  return IOStatus::OK();
}

IOStatus SimFileSystem::RenameFile(const std::string& src, const std::string& target,
                                   const IOOptions&, IODebugContext*) {
  const std::string a = Normalize(src);
  const std::string b = Normalize(target);
  IOStatus s = Begin(OpKind::kMetadata, "fs.rename", a, true);
  if (!s.ok()) return s;
  const InodePtr inode = ns_.Find(a);
  if (inode == nullptr) return IOStatus::PathNotFound("no such file", a);
  if (!ns_.IsDir(Parent(b))) return IOStatus::PathNotFound("no such directory", Parent(b));
  const InodePtr old = ns_.Find(b);
  if (old != nullptr && old != inode) inodes_.Unlink(*old);
  ns_.Unlink(a);
  ns_.Link(b, inode);
  if (options_.profile == PersistenceProfile::kExt4Ordered) inode->Sync();  // auto_da_alloc
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
  if (!ns_.IsDir(Parent(p))) return IOStatus::PathNotFound("no such directory", Parent(p));
  if (locks_.count(p)) return IOStatus::IOError("lock held by another user", p);
  if (!ns_.IsFile(p)) (void)CreateInode(p);  // open(O_CREAT)
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
  if (!ns_.IsDir(p) && !ns_.IsFile(p)) return IOStatus::PathNotFound(p);
  *is_dir = ns_.IsDir(p);
  return IOStatus::OK();
}

IOStatus SimFileSystem::GetFreeSpace(const std::string&, const IOOptions&, uint64_t* diskfree,
                                     IODebugContext*) {
  const uint64_t used = inodes_.used_bytes();
  *diskfree = options_.capacity_bytes > used ? options_.capacity_bytes - used : 0;
  return IOStatus::OK();
}

}  // namespace mqsim::sim
