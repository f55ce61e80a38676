// DiskNamespace: the simulated disk's names. Internal to SimFileSystem (sim_file_system.h).
//
// Paths map to inodes (inode.h) in two views: the live one, which processes see, and the
// durable one, which a power loss leaves behind. A directory fsync (MakeDurable) makes a
// directory's live entries its durable ones; when else that happens is the persistence
// profile's business, which SimFileSystem applies (disk_model.h). Directories themselves
// have a single view: durable as soon as they are created, in both profiles.
//
// Paths are absolute and normalized (Normalize); callers normalize before every call.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/inode.h"

namespace mqsim::sim {

class DiskNamespace {
 public:
  using Files = std::map<std::string, InodePtr>;  // path -> inode

  DiskNamespace() { dirs_.insert("/"); }

  // "a//b/" -> "/a/b": absolute, no repeated or trailing '/'.
  static std::string Normalize(const std::string& path);
  static std::string Parent(const std::string& path);
  // Calls fn(path, inode) for each file directly in dir (not in a subdirectory), in path
  // order, of one view (live() or durable()).
  template <class Fn>
  static void ForEachEntry(const Files& view, const std::string& dir, Fn&& fn);

  const Files& live() const { return live_; }
  const Files& durable() const { return durable_; }
  const std::set<std::string>& dirs() const { return dirs_; }
  bool IsFile(const std::string& path) const { return live_.count(path) != 0; }
  bool IsDir(const std::string& path) const { return dirs_.count(path) != 0; }
  // The inode named path in the live view, or null.
  InodePtr Find(const std::string& path) const;
  // Whether path's live entry survives a power loss: the durable view names the same inode.
  bool EntryDurable(const std::string& path, const InodePtr& inode) const;
  // Whether a file or a directory has a path under dir + "/".
  bool HasDescendants(const std::string& dir) const;
  // The names (not paths) of dir's files and subdirectories in the live view, sorted.
  std::vector<std::string> Children(const std::string& dir) const;

  // Names inode path in the live view (replacing what the name held).
  void Link(const std::string& path, InodePtr inode) { live_[path] = std::move(inode); }
  // Removes path from the live view.
  void Unlink(const std::string& path) { live_.erase(path); }
  // Returns whether the directory is new.
  bool AddDir(const std::string& path) { return dirs_.insert(path).second; }
  void RemoveDir(const std::string& path) { dirs_.erase(path); }
  // Adds path and each of its ancestors as directories.
  void MakeDirs(const std::string& path);
  // A directory fsync: dir's durable entries become its live entries.
  void MakeDurable(const std::string& dir);
  // Replaces both views by files: after a power loss or a restore everything is durable.
  void ResetFiles(Files files);
  // Replaces the directories (the root always exists).
  void ResetDirs(std::set<std::string> dirs);

 private:
  // The prefix of the paths inside dir: "/" for the root, dir + "/" otherwise.
  static std::string ChildPrefix(const std::string& dir);
  // Whether path (which starts with prefix) names an entry directly inside the directory.
  static bool DirectlyIn(const std::string& path, const std::string& prefix);

  Files live_;     // live namespace
  Files durable_;  // namespace a power loss leaves behind
  std::set<std::string> dirs_;
};

template <class Fn>
void DiskNamespace::ForEachEntry(const Files& view, const std::string& dir, Fn&& fn) {
  const std::string prefix = ChildPrefix(dir);
  for (auto it = view.lower_bound(prefix);
       it != view.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    if (DirectlyIn(it->first, prefix)) fn(it->first, it->second);
  }
}

}  // namespace mqsim::sim
