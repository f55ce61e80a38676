#include "sim/power_loss.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

namespace mqsim::sim {

namespace {

constexpr uint64_t kSectorBytes = 512;
constexpr uint64_t kBlockBytes = 4096;

// kTornTail: zeroes one sector of the last 4 KiB block kept, never below synced_bytes.
// REQUIRES: keep holds more than synced_bytes.
void TearLastBlock(ChunkedBytes& keep, uint64_t synced_bytes, Random& rng) {
  const uint64_t block_start = (keep.size() - 1) / kBlockBytes * kBlockBytes;
  const uint64_t first = std::max(block_start, synced_bytes) / kSectorBytes * kSectorBytes;
  const uint64_t sectors = (keep.size() - first + kSectorBytes - 1) / kSectorBytes;
  const uint64_t sector = first + rng.Below(sectors) * kSectorBytes;
  const uint64_t from = std::max(sector, synced_bytes);
  const uint64_t to = std::min<uint64_t>(sector + kSectorBytes, keep.size());
  keep.Fill(from, to - from, '\0');
}

// The choices a power loss has now, and the image each combination of them leaves.
// Dimensions: per directory whose live entries differ from its durable ones, {durable,
// live}; then per inode with unsynced data, in id order, its PossibleContents. Choice 0 of
// every dimension is "nothing unsynced survived"; the last is "everything survived".
class ImageSpace {
 public:
  explicit ImageSpace(const DiskNamespace& ns);
  // The number of choices of each dimension.
  const std::vector<size_t>& radix() const { return radix_; }
  DiskImage Build(const std::vector<size_t>& choice) const;

 private:
  using Entries = std::vector<std::pair<std::string, uint64_t>>;  // (path, inode id)
  static Entries EntriesOf(const DiskNamespace::Files& view, const std::string& dir);
  void AddInode(const InodePtr& inode);

  const DiskNamespace& ns_;
  std::vector<std::string> pending_dirs_;
  std::map<uint64_t, std::vector<std::string>> contents_;  // inode id -> candidates
  std::vector<uint64_t> inode_ids_;  // the inodes with a choice, in dimension order
  std::vector<size_t> radix_;
};

ImageSpace::Entries ImageSpace::EntriesOf(const DiskNamespace::Files& view,
                                          const std::string& dir) {
  Entries out;
  DiskNamespace::ForEachEntry(view, dir, [&](const std::string& path, const InodePtr& inode) {
    out.emplace_back(path, inode->id);
  });
  return out;
}

void ImageSpace::AddInode(const InodePtr& inode) {
  if (contents_.count(inode->id) == 0) contents_.emplace(inode->id, PossibleContents(*inode));
}

ImageSpace::ImageSpace(const DiskNamespace& ns) : ns_(ns) {
  for (const std::string& dir : ns.dirs()) {
    if (EntriesOf(ns.live(), dir) != EntriesOf(ns.durable(), dir)) pending_dirs_.push_back(dir);
  }
  for (const auto& [path, inode] : ns.durable()) AddInode(inode);
  for (const auto& [path, inode] : ns.live()) AddInode(inode);
  radix_.assign(pending_dirs_.size(), 2);
  for (const auto& [id, candidates] : contents_) {
    if (candidates.size() > 1) {
      inode_ids_.push_back(id);
      radix_.push_back(candidates.size());
    }
  }
}

DiskImage ImageSpace::Build(const std::vector<size_t>& choice) const {
  DiskImage image;
  image.dirs = ns_.dirs();
  std::map<uint64_t, size_t> pick;
  for (size_t i = 0; i < inode_ids_.size(); ++i) {
    pick[inode_ids_[i]] = choice[pending_dirs_.size() + i];
  }
  for (const std::string& dir : ns_.dirs()) {
    const auto d = std::find(pending_dirs_.begin(), pending_dirs_.end(), dir);
    const bool live =
        d != pending_dirs_.end() && choice[static_cast<size_t>(d - pending_dirs_.begin())] == 1;
    DiskNamespace::ForEachEntry(live ? ns_.live() : ns_.durable(), dir,
                                [&](const std::string& path, const InodePtr& inode) {
                                  auto p = pick.find(inode->id);
                                  image.files[path] =
                                      contents_.at(inode->id)[p == pick.end() ? 0 : p->second];
                                });
  }
  return image;
}

}  // namespace

UnsyncedTail AppendedTail(const Inode& inode) {
  const uint64_t synced = inode.durable.size();
  if (inode.rewritten_since_sync || inode.data.size() <= synced ||
      !inode.data.StartsWith(inode.durable)) {
    return UnsyncedTail{synced, 0};
  }
  return UnsyncedTail{synced, inode.data.size() - synced};
}

ChunkedBytes KeepTail(const Inode& inode, uint64_t kept_bytes) {
  ChunkedBytes keep = inode.durable;
  keep.AppendFrom(inode.data, inode.durable.size(), kept_bytes);
  return keep;
}

ChunkedBytes SurvivingContent(const Inode& inode, PowerLossMode mode, Random& rng) {
  const UnsyncedTail tail = AppendedTail(inode);
  if (tail.bytes == 0 || mode == PowerLossMode::kDropUnsynced) return inode.durable;
  const uint64_t kept = rng.Below(tail.bytes + 1);
  ChunkedBytes keep = KeepTail(inode, kept);
  if (mode == PowerLossMode::kTornTail && kept > 0) TearLastBlock(keep, tail.synced_bytes, rng);
  return keep;
}

std::vector<std::string> PossibleContents(const Inode& inode) {
  std::vector<std::string> out{inode.durable.ToString()};
  if (inode.data == inode.durable) return out;
  const uint64_t half = AppendedTail(inode).bytes / 2 / kSectorBytes * kSectorBytes;
  if (half > 0) out.push_back(KeepTail(inode, half).ToString());
  out.push_back(inode.data.ToString());
  return out;
}

DiskNamespace::Files DrawPowerLoss(const DiskNamespace& ns, PowerLossMode mode, Random& rng,
                                   InodeStore& inodes, uint64_t* lost_bytes) {
  std::map<uint64_t, InodePtr> survivors;  // old inode id -> its post-crash inode
  DiskNamespace::Files files;
  for (const auto& [path, inode] : ns.durable()) {
    auto found = survivors.find(inode->id);
    if (found == survivors.end()) {
      ChunkedBytes keep = SurvivingContent(*inode, mode, rng);
      *lost_bytes += inode->data.size() > keep.size() ? inode->data.size() - keep.size() : 0;
      found = survivors.emplace(inode->id, inodes.New(std::move(keep))).first;
    }
    files[path] = found->second;
  }
  return files;
}

std::vector<DiskImage> EnumeratePowerLossImages(const DiskNamespace& ns, size_t max_images) {
  const ImageSpace space(ns);
  const std::vector<size_t>& radix = space.radix();
  std::vector<DiskImage> images;
  std::set<uint64_t> seen;
  auto emit = [&](const std::vector<size_t>& choice) {
    if (images.size() >= max_images) return;
    DiskImage image = space.Build(choice);
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

}  // namespace mqsim::sim
