// The knobs of the simulated disk: persistence profile, capacity, latency, injected faults.
//
// Persistence profiles say what survives a power loss:
//  * kStrictPosix: only what POSIX promises. File data is durable once the file is
//    fsync'ed/fdatasync'ed; a directory entry (create, rename, unlink) is durable only once
//    its directory is fsync'ed. An unsynced new file or rename vanishes.
//  * kExt4Ordered: like ext4's default data=ordered with auto_da_alloc. Namespace changes
//    are journalled at once (durable immediately); a rename makes the renamed file's data
//    durable with it (the replace-via-rename idiom works without fsync); unsynced appended
//    data is still lost. A created-but-never-synced file survives as a short or empty file.
// In both profiles directories themselves are durable once created (ext4 journals mkdir, and
// RocksDB never fsyncs the parent of its DB directory).
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

#include "sim/time.h"

namespace mqsim::sim {

enum class PersistenceProfile { kStrictPosix, kExt4Ordered };

std::string_view ToString(PersistenceProfile p);

// What a power loss keeps of a file's unsynced appended tail.
enum class PowerLossMode {
  kDropUnsynced,  // nothing: files revert to their last synced content
  kRandomPrefix,  // a seed-chosen prefix of each unsynced tail reached the platter
  kTornTail,      // a seed-chosen prefix, and one 512-byte sector of its last 4 KiB block
                  // never made it (reads back as zeros): a torn block
};

// Latency of one operation kind: uniform in [min, max], plus with probability
// stall_probability an extra stall (a fsync that takes seconds).
struct LatencyDistribution {
  Duration min = Duration::Zero();
  Duration max = Duration::Zero();
  double stall_probability = 0;
  Duration stall = Duration::Zero();
  bool enabled() const { return max > Duration::Zero() || stall_probability > 0; }
};

struct DiskLatency {
  LatencyDistribution read;      // sequential and random reads
  LatencyDistribution write;     // append, truncate
  LatencyDistribution sync;      // file fsync/fdatasync
  LatencyDistribution dir_sync;  // directory fsync
  LatencyDistribution metadata;  // open, create, rename, delete, list
};

// Probabilities per operation, decided by the disk's seeded random stream.
struct DiskFaults {
  double read_error = 0;       // IOError on a read
  double write_error = 0;      // IOError on an append (nothing written)
  double sync_error = 0;       // IOError on a file sync (nothing made durable)
  double read_corruption = 0;  // a read returns data with one flipped bit
};

struct DiskOptions {
  PersistenceProfile profile = PersistenceProfile::kStrictPosix;
  uint64_t capacity_bytes = std::numeric_limits<uint64_t>::max();
  DiskLatency latency;
  DiskFaults faults;
  // Fold the bytes of every write and read into the trace hash (not only offsets and sizes).
  bool hash_contents = true;
};

}  // namespace mqsim::sim
