// DiskImage: a whole simulated disk as plain data (paths and contents), what a machine
// would find after a power loss or a process after a crash. SimFileSystem reads one out
// (DurableImage, LiveImage), enumerates the ones a power loss could leave (power_loss.h) and
// restores one (Restore).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace mqsim::sim {

struct DiskImage {
  std::map<std::string, std::string> files;  // path -> content
  std::set<std::string> dirs;
  // A hash of every path, content and directory: equal images have equal fingerprints.
  uint64_t Fingerprint() const;
};

}  // namespace mqsim::sim
