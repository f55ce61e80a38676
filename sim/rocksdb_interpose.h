// Control of the three RocksDB 7.8.3 internals that no Env, FileSystem or Option reaches.
//
//  1. The DB session id (written into every SST and MANIFEST record) comes from a
//     process-wide generator inside DBImpl::GenerateDbSessionId, seeded once by
//     rocksdb::GenerateRawUniqueId from std::random_device, the time and the pid.
//  2. rocksdb::Random::GetTLSInstance is a thread-local PRNG seeded from the thread id (an
//     ASLR-dependent address); it draws skip-list heights, which shift memtable flush
//     points, which is observable (runs recover to different sequence numbers).
//  3. Arena::AllocateNewBlock charges memtables malloc_usable_size() of each block, which
//     depends on the heap's history (the first run in a process, argv, a Bazel sandbox), and
//     memtables flush by that charge. ResetRocksDbInternals installs RocksDB's sync-point
//     callback "Arena::AllocateNewBlock:0" to charge the requested size instead.
//
// rocksdb_interpose.cc defines GenerateDbSessionId, GenerateRawUniqueId and GetTLSInstance
// in our own code. By ELF symbol interposition
// the dynamic linker binds librocksdb's calls to our definitions (they are exported,
// default visibility, and our object precedes librocksdb.so in the link: the
// "rocksdb_interpose" target is alwayslink and must be listed before @system//:rocksdb).
// ResetRocksDbInternals(seed) at the start of every run makes both depend on the seed
// only. The call counters let a test prove that the interposition still takes effect.
#pragma once

#include <cstdint>

namespace mqsim::sim {

void ResetRocksDbInternals(uint64_t run_seed);

// A world of its own inside a run (a power-loss audit recovering a copy of the disk):
// RocksDB's generators reseeded from `seed` for the scope's lifetime and then put back
// exactly as they were, so the run around it draws what it would have drawn without it.
class ScopedRocksDbInternals {
 public:
  explicit ScopedRocksDbInternals(uint64_t seed);
  ~ScopedRocksDbInternals();
  ScopedRocksDbInternals(const ScopedRocksDbInternals&) = delete;
  ScopedRocksDbInternals& operator=(const ScopedRocksDbInternals&) = delete;

 private:
  uint64_t unique_id_seed_;
  uint64_t unique_id_counter_;
  uint64_t session_id_counter_;
  uint32_t tls_random_state_;
};

struct RocksDbInterposeCalls {
  uint64_t unique_id = 0;     // GenerateRawUniqueId calls made by librocksdb
  uint64_t tls_random = 0;    // Random::GetTLSInstance calls
  uint64_t session_id = 0;    // DBImpl::GenerateDbSessionId calls
  uint64_t arena_blocks = 0;  // arena blocks charged at their requested size (item 3)
};
RocksDbInterposeCalls GetRocksDbInterposeCalls();

}  // namespace mqsim::sim
