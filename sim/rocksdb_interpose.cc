// See rocksdb_interpose.h. These definitions replace librocksdb's own by ELF symbol
// interposition; their signatures must match RocksDB 7.8.3's exactly:
//   void rocksdb::GenerateRawUniqueId(uint64_t*, uint64_t*, bool)   (env/unique_id_gen.h)
//   rocksdb::Random* rocksdb::Random::GetTLSInstance()               (util/random.h)
//   std::string rocksdb::DBImpl::GenerateDbSessionId(rocksdb::Env*)  (db/db_impl/db_impl.h)
// The session id generator is a function-local static inside librocksdb, seeded once per
// process; replacing the function itself is what lets every run start afresh.
// rocksdb::Random is a class holding a single uint32_t seed_ (util/random.h), so a
// thread-local uint32_t is a valid object of that layout.
// rocksdb::SyncPoint (test_util/sync_point.h, not installed) is exported by Debian's
// librocksdb, which is built without NDEBUG; only its non-virtual members are called here.
#include "sim/rocksdb_interpose.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "sim/random.h"

namespace {
uint64_t g_unique_id_seed = 0;
uint64_t g_unique_id_counter = 0;
uint64_t g_unique_id_calls = 0;
uint64_t g_tls_random_calls = 0;
uint64_t g_session_id_counter = 0;
uint64_t g_session_id_calls = 0;
uint64_t g_arena_block_calls = 0;
thread_local uint32_t g_tls_random_state = 301;
}  // namespace

namespace rocksdb {

void GenerateRawUniqueId(uint64_t* a, uint64_t* b, bool /*exclude_port_uuid*/) {
  ++g_unique_id_calls;
  const uint64_t n = g_unique_id_counter++;
  *a = mqsim::sim::Mix64(g_unique_id_seed ^ (n * 2 + 1));
  *b = mqsim::sim::Mix64(*a ^ 0x5d5b1d2a3c4e6f70ULL);
}

class Env;
std::string EncodeSessionId(uint64_t upper, uint64_t lower);  // exported by librocksdb

class DBImpl {
 public:
  static std::string GenerateDbSessionId(Env* env);
};

std::string DBImpl::GenerateDbSessionId(Env* /*env*/) {
  ++g_session_id_calls;
  const uint64_t n = ++g_session_id_counter;
  // EncodeSessionId keeps 39 bits of upper and needs lower != 0 (SST unique ids).
  const uint64_t upper = mqsim::sim::Mix64(g_unique_id_seed + n) & ((uint64_t{1} << 39) - 1);
  const uint64_t lower = mqsim::sim::Mix64(g_unique_id_seed ^ (n << 1)) | 1;
  return EncodeSessionId(upper, lower);
}

class Random {
 public:
  static Random* GetTLSInstance();
};

Random* Random::GetTLSInstance() {
  ++g_tls_random_calls;
  return reinterpret_cast<Random*>(&g_tls_random_state);
}

class SyncPoint {
 public:
  static SyncPoint* GetInstance();
  void SetCallBack(const std::string& point, const std::function<void(void*)>& callback);
  void EnableProcessing();
};

}  // namespace rocksdb

namespace mqsim::sim {

namespace {

// Arena::AllocateNewBlock charges malloc_usable_size(block) to the memtable; glibc hands
// out a chunk 0-16 bytes larger than asked depending on the heap's history, and
// MemTable::ShouldFlushNow() compares the charge with write_buffer_size. RocksDB's own
// hook "Arena::AllocateNewBlock:0" (arg: pair<size_t* charged, size_t* requested>) lets us
// charge the requested size, as a build without malloc_usable_size (or ASan) does.
void ChargeArenaBlocksAsRequested() {
  static const bool installed = [] {
    rocksdb::SyncPoint* sp = rocksdb::SyncPoint::GetInstance();
    sp->SetCallBack("Arena::AllocateNewBlock:0", [](void* arg) {
      auto* sizes = static_cast<std::pair<size_t*, size_t*>*>(arg);
      *sizes->first = *sizes->second;
      ++g_arena_block_calls;
    });
    sp->EnableProcessing();
    return true;
  }();
  (void)installed;
}

}  // namespace

void ResetRocksDbInternals(uint64_t run_seed) {
  ChargeArenaBlocksAsRequested();
  g_unique_id_seed = Mix64(run_seed ^ 0x756e697175656964ULL);  // "uniqueid"
  g_unique_id_counter = 0;
  g_session_id_counter = 0;
  // rocksdb::Random requires a seed in [1, 2^31 - 2].
  g_tls_random_state = static_cast<uint32_t>(Mix64(run_seed) % 2147483646u) + 1;
}

ScopedRocksDbInternals::ScopedRocksDbInternals(uint64_t seed)
    : unique_id_seed_(g_unique_id_seed),
      unique_id_counter_(g_unique_id_counter),
      session_id_counter_(g_session_id_counter),
      tls_random_state_(g_tls_random_state) {
  ResetRocksDbInternals(seed);
}

ScopedRocksDbInternals::~ScopedRocksDbInternals() {
  g_unique_id_seed = unique_id_seed_;
  g_unique_id_counter = unique_id_counter_;
  g_session_id_counter = session_id_counter_;
  g_tls_random_state = tls_random_state_;
}

RocksDbInterposeCalls GetRocksDbInterposeCalls() {
  return RocksDbInterposeCalls{g_unique_id_calls, g_tls_random_calls, g_session_id_calls,
                               g_arena_block_calls};
}

}  // namespace mqsim::sim
