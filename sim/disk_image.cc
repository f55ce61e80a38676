#include "sim/disk_image.h"

#include <xxhash.h>

#include "sim/random.h"

namespace mqsim::sim {

uint64_t DiskImage::Fingerprint() const {
  uint64_t h = 0x5eed;
  for (const auto& [path, content] : files) {
    h = Mix64(h ^ XXH3_64bits(path.data(), path.size()));
    h = Mix64(h ^ XXH3_64bits(content.data(), content.size()));
  }
  for (const std::string& d : dirs) h = Mix64(h ^ XXH3_64bits(d.data(), d.size()) ^ 0xd1);
  return h;
}

}  // namespace mqsim::sim
