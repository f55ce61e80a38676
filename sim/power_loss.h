// The power-loss model of the simulated disk: what a power loss leaves of the namespace
// (disk_namespace.h) and of each inode (inode.h). SimFileSystem::PowerLoss draws one outcome
// (DrawPowerLoss); SimFileSystem::EnumeratePowerLossImages lists outcomes
// (EnumeratePowerLossImages). Both are built from the rules below, and only from them.
//
// Fault model.
//  - Names: every directory reverts to its durable entries. An enumeration also lets each
//    directory whose live entries differ from its durable ones keep its live entries (a
//    directory fsync that completed at the instant of the loss). Only the entries of
//    directories that exist are in an enumerated image.
//  - Contents: every inode reverts to its platter. If it was only appended to since its
//    last sync (the platter is a proper prefix of the page cache: AppendedTail), a prefix of
//    the unsynced tail may have reached the platter as well:
//      kDropUnsynced  none of it;
//      kRandomPrefix  a prefix of seed-chosen length (0 to all of it);
//      kTornTail      the same, and if the prefix is not empty one 512-byte sector of its
//                     last 4 KiB block (from the synced end on) never made it: zeros.
//    A rewritten inode (truncated or overwritten since its last sync) keeps exactly its
//    platter at a power loss. An enumeration offers, per inode with unsynced data, its
//    platter, half of an appended tail (sector aligned) and its whole page cache, the latter
//    also for a rewritten inode ("everything survived").
// An inode with several durable names survives as one inode.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/chunked_bytes.h"
#include "sim/disk_image.h"
#include "sim/disk_model.h"
#include "sim/disk_namespace.h"
#include "sim/inode.h"
#include "sim/random.h"

namespace mqsim::sim {

// The part of an inode's page cache a power loss may keep a prefix of:
// [synced_bytes, synced_bytes + bytes). Empty unless the inode was only appended to since
// its last sync.
struct UnsyncedTail {
  uint64_t synced_bytes = 0;
  uint64_t bytes = 0;
};
UnsyncedTail AppendedTail(const Inode& inode);

// The inode's platter followed by the first kept_bytes of its appended tail (sharing the
// platter's chunks). REQUIRES: kept_bytes <= AppendedTail(inode).bytes.
ChunkedBytes KeepTail(const Inode& inode, uint64_t kept_bytes);

// What one power loss in mode leaves of inode; kRandomPrefix and kTornTail draw from rng
// (the prefix length; for kTornTail then the sector) when the inode has an appended tail.
ChunkedBytes SurvivingContent(const Inode& inode, PowerLossMode mode, Random& rng);

// The contents a power loss could leave of inode, "nothing unsynced survived" (its
// platter) first and "everything survived" (its page cache) last, without repeats.
std::vector<std::string> PossibleContents(const Inode& inode);

// One power loss in mode: the durable view of ns, each of its inodes (once, whatever its
// number of names) replaced by a fresh inode from `inodes` holding its SurvivingContent,
// drawn in path order. Adds the page-cache bytes lost to *lost_bytes.
// REQUIRES: inodes.ReleaseAll() was called (every old inode is about to be dropped).
DiskNamespace::Files DrawPowerLoss(const DiskNamespace& ns, PowerLossMode mode, Random& rng,
                                   InodeStore& inodes, uint64_t* lost_bytes);

// Up to max_images distinct images a power loss could leave of ns now: first "nothing
// unsynced survived" (every choice at its durable end), then "everything survived", then
// every combination of the per-directory and per-inode choices in mixed-radix order.
std::vector<DiskImage> EnumeratePowerLossImages(const DiskNamespace& ns, size_t max_images);

}  // namespace mqsim::sim
