#include "sim/disk_namespace.h"

#include <algorithm>

namespace mqsim::sim {

std::string DiskNamespace::Normalize(const std::string& path) {
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

std::string DiskNamespace::Parent(const std::string& path) {
  const size_t pos = path.rfind('/');
  return pos == 0 || pos == std::string::npos ? "/" : path.substr(0, pos);
}

std::string DiskNamespace::ChildPrefix(const std::string& dir) {
  return dir == "/" ? "/" : dir + "/";
}

bool DiskNamespace::DirectlyIn(const std::string& path, const std::string& prefix) {
  return path.size() > prefix.size() && path.find('/', prefix.size()) == std::string::npos;
}

InodePtr DiskNamespace::Find(const std::string& path) const {
  auto it = live_.find(path);
  return it == live_.end() ? nullptr : it->second;
}

bool DiskNamespace::EntryDurable(const std::string& path, const InodePtr& inode) const {
  auto d = durable_.find(path);
  return d != durable_.end() && d->second == inode;
}

bool DiskNamespace::HasDescendants(const std::string& dir) const {
  const std::string prefix = dir + "/";
  auto child = live_.lower_bound(prefix);
  auto child_dir = dirs_.lower_bound(prefix);
  return (child != live_.end() && child->first.compare(0, prefix.size(), prefix) == 0) ||
         (child_dir != dirs_.end() && child_dir->compare(0, prefix.size(), prefix) == 0);
}

std::vector<std::string> DiskNamespace::Children(const std::string& dir) const {
  std::vector<std::string> names;
  const std::string prefix = ChildPrefix(dir);
  auto collect = [&](auto begin, auto end, auto key) {
    for (auto it = begin; it != end; ++it) {
      const std::string& path = key(*it);
      if (path.compare(0, prefix.size(), prefix) != 0) break;
      if (DirectlyIn(path, prefix)) names.push_back(path.substr(prefix.size()));
    }
  };
  collect(live_.lower_bound(prefix), live_.end(),
          [](const auto& kv) -> const std::string& { return kv.first; });
  collect(dirs_.lower_bound(prefix), dirs_.end(),
          [](const std::string& d) -> const std::string& { return d; });
  std::sort(names.begin(), names.end());
  return names;
}

void DiskNamespace::MakeDirs(const std::string& path) {
  for (size_t pos = 1; pos != std::string::npos; pos = path.find('/', pos + 1)) {
    if (pos > 1) dirs_.insert(path.substr(0, pos));
  }
  dirs_.insert(path);
}

void DiskNamespace::MakeDurable(const std::string& dir) {
  const std::string prefix = ChildPrefix(dir);
  for (auto it = durable_.lower_bound(prefix);
       it != durable_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
    it = DirectlyIn(it->first, prefix) ? durable_.erase(it) : std::next(it);
  }
  ForEachEntry(live_, dir,
               [&](const std::string& path, const InodePtr& inode) { durable_[path] = inode; });
}

void DiskNamespace::ResetFiles(Files files) {
  live_ = files;
  durable_ = std::move(files);
}

void DiskNamespace::ResetDirs(std::set<std::string> dirs) {
  dirs_ = std::move(dirs);
  dirs_.insert("/");
}

}  // namespace mqsim::sim
