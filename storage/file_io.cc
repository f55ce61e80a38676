#include "storage/file_io.h"

#include <algorithm>

#include "base/status_macros.h"

namespace mqsim::storage {

using rocksdb::FileOptions;
using rocksdb::IOOptions;

absl::Status FromIo(const rocksdb::IOStatus& s, const std::string& what) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNoSpace()) {
    return absl::ResourceExhaustedError("natsmq: disk full while trying to " + what + ": " +
                                        s.ToString());
  }
  if (s.IsNotFound() || s.IsPathNotFound()) {
    return absl::NotFoundError("natsmq: " + what + ": " + s.ToString());
  }
  return absl::UnavailableError("natsmq: I/O error while trying to " + what + ": " + s.ToString());
}

absl::StatusOr<std::string> ReadWholeFile(rocksdb::FileSystem& fs, const std::string& path) {
  std::unique_ptr<rocksdb::FSSequentialFile> file;
  rocksdb::IOStatus s = fs.NewSequentialFile(path, FileOptions(), &file, nullptr);
  if (!s.ok()) return FromIo(s, "open " + path);
  std::string out;
  std::string scratch(64 << 10, '\0');
  for (;;) {
    rocksdb::Slice chunk;
    s = file->Read(scratch.size(), IOOptions(), &chunk, scratch.data(), nullptr);
    if (!s.ok()) return FromIo(s, "read " + path);
    if (chunk.empty()) break;
    out.append(chunk.data(), chunk.size());
  }
  return out;
}

absl::Status SyncDirectory(rocksdb::FileSystem& fs, const std::string& dir) {
  std::unique_ptr<rocksdb::FSDirectory> d;
  rocksdb::IOStatus s = fs.NewDirectory(dir, IOOptions(), &d, nullptr);
  if (s.ok()) s = d->Fsync(IOOptions(), nullptr);
  return FromIo(s, "sync directory " + dir);
}

absl::Status WriteFileAtomically(rocksdb::FileSystem& fs, const std::string& dir,
                                 const std::string& name, const std::string& content, bool sync) {
  const std::string tmp = dir + "/" + name + ".tmp";
  std::unique_ptr<rocksdb::FSWritableFile> file;
  rocksdb::IOStatus s = fs.NewWritableFile(tmp, FileOptions(), &file, nullptr);
  if (s.ok()) s = file->Append(content, IOOptions(), nullptr);
  if (s.ok() && sync) s = file->Sync(IOOptions(), nullptr);
  if (s.ok()) s = file->Close(IOOptions(), nullptr);
  if (s.ok()) s = fs.RenameFile(tmp, dir + "/" + name, IOOptions(), nullptr);
  if (!s.ok()) return FromIo(s, "write " + dir + "/" + name);
  return sync ? SyncDirectory(fs, dir) : absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ListDirectory(rocksdb::FileSystem& fs,
                                                       const std::string& dir) {
  std::vector<std::string> out;
  rocksdb::IOStatus s = fs.GetChildren(dir, IOOptions(), &out, nullptr);
  if (!s.ok()) return FromIo(s, "list " + dir);
  std::erase_if(out, [](const std::string& n) { return n == "." || n == ".."; });
  std::sort(out.begin(), out.end());
  return out;
}

absl::Status MakeDirectories(rocksdb::FileSystem& fs, const std::string& dir) {
  for (size_t pos = dir.find('/', 1);; pos = dir.find('/', pos + 1)) {
    const std::string prefix = pos == std::string::npos ? dir : dir.substr(0, pos);
    const rocksdb::IOStatus s = fs.CreateDirIfMissing(prefix, IOOptions(), nullptr);
    if (!s.ok()) return FromIo(s, "create directory " + prefix);
    if (pos == std::string::npos) return absl::OkStatus();
  }
}

absl::Status RemoveTree(rocksdb::FileSystem& fs, const std::string& dir) {
  absl::StatusOr<std::vector<std::string>> children = ListDirectory(fs, dir);
  if (!children.ok())
    return absl::IsNotFound(children.status()) ? absl::OkStatus() : children.status();
  for (const std::string& child : *children) {
    const std::string path = dir + "/" + child;
    bool is_dir = false;
    (void)fs.IsDirectory(path, IOOptions(), &is_dir, nullptr);
    if (is_dir) {
      if (absl::Status st = RemoveTree(fs, path); !st.ok()) return st;
    } else {
      const rocksdb::IOStatus s = fs.DeleteFile(path, IOOptions(), nullptr);
      if (!s.ok()) return FromIo(s, "delete " + path);
    }
  }
  // The unlinks are durable before the directory goes: a power loss cannot bring back a
  // file of a tree that a later one of the same name would then adopt.
  if (!children->empty()) MQSIM_RETURN_IF_ERROR(SyncDirectory(fs, dir));
  return FromIo(fs.DeleteDir(dir, IOOptions(), nullptr), "delete directory " + dir);
}

}  // namespace mqsim::storage
