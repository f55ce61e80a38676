// Small helpers for whole-file I/O through a rocksdb::FileSystem, with errors as
// absl::Status (ENOSPC becomes ResourceExhausted with a clear message).
#pragma once

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <rocksdb/file_system.h>

#include <string>
#include <vector>

namespace mqsim::storage {

absl::Status FromIo(const rocksdb::IOStatus& s, const std::string& what);
absl::StatusOr<std::string> ReadWholeFile(rocksdb::FileSystem& fs, const std::string& path);
// Writes path atomically: a temporary file, then a rename. With sync, the data and the
// directory entry are durable before it returns.
absl::Status WriteFileAtomically(rocksdb::FileSystem& fs, const std::string& dir,
                                 const std::string& name, const std::string& content, bool sync);
absl::Status SyncDirectory(rocksdb::FileSystem& fs, const std::string& dir);
absl::StatusOr<std::vector<std::string>> ListDirectory(rocksdb::FileSystem& fs,
                                                       const std::string& dir);
absl::Status MakeDirectories(rocksdb::FileSystem& fs, const std::string& dir);
// Removes dir and everything under it; each directory's unlinks are synced before the
// directory itself is removed (the caller syncs dir's parent to make that last step durable).
absl::Status RemoveTree(rocksdb::FileSystem& fs, const std::string& dir);

}  // namespace mqsim::storage
