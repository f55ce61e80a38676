// RocksDbStress: a db_stress-like workload that checks real RocksDB against a model, inside
// the simulation (or natively, for comparison).
//
// The workload (puts of 100-1000 byte values over a key space, deletes, DeleteRange, a few
// sync writes, manual flush requests and inline CompactFiles) is a pure function of the
// workload seed; how it interleaves with RocksDB's background jobs, and what the disk does,
// is a function of the run's seed. With tiny write buffers it drives hundreds of flushes
// and compactions. Every acknowledged write is remembered with its sequence number, so
// after a crash the recovered DB can be compared with the model at the recovered sequence
// number, and checked against the last write that was synced.
#pragma once

#include <rocksdb/db.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/sim_env.h"
#include "sim/sim_rocksdb.h"
#include "sim/simulation.h"

namespace mqsim::sim {

struct StressOp {
  enum Kind : uint8_t { kPut, kDelete, kDeleteRange, kFlush, kCompactFiles } kind;
  bool sync;
  uint32_t key;
  uint32_t key_end;  // DeleteRange: [key, key_end)
  uint32_t value_bytes;
  uint64_t index;  // position in the workload (values are derived from it)
};

// The deterministic op stream of a workload seed.
class StressWorkload {
 public:
  StressWorkload(uint64_t seed, uint32_t key_space, uint32_t sync_one_in)
      : seed_(seed), rng_(seed), key_space_(key_space), sync_one_in_(sync_one_in) {}
  StressOp Next();
  static std::string Key(uint32_t k);
  std::string Value(const StressOp& op) const;

 private:
  uint64_t seed_;
  Random rng_;
  uint32_t key_space_;
  uint32_t sync_one_in_;
  uint64_t next_index_ = 0;
};

// Options of the stress DB: tiny buffers and files so flushes and compactions are many.
rocksdb::Options StressDbOptions();

// Applies one op to db (shared by the simulated and the native runs). Flush requests never
// wait; CompactFiles runs inline.
rocksdb::Status ApplyStressOp(rocksdb::DB* db, const StressWorkload& workload, const StressOp& op);

struct StressCheck {
  bool ok = true;
  std::string problem;  // first mismatch, or the violated durability rule
  uint64_t keys = 0;
  uint64_t content_hash = 0;
  uint64_t recovered_seq = 0;
};

class RocksDbStress {
 public:
  struct Options {
    uint64_t workload_seed = 1;
    uint32_t key_space = 50'000;
    uint32_t sync_one_in = 100;
    DiskOptions disk;
    std::string db_path = "/db";
  };

  RocksDbStress(Simulation* sim, Options options);
  ~RocksDbStress();

  rocksdb::Status Open();
  // Runs the next n ops in a scheduler task (yielding after each, so background jobs
  // interleave by seed), then runs the scheduler until quiescent. Stops at the first failed
  // write (a crash point or a full disk) and returns its status.
  rocksdb::Status RunOps(uint64_t n);
  // The process dies now (kill -9): page cache survives.
  void CrashProcess();
  // The machine loses power now.
  void PowerLoss(PowerLossMode mode);
  // Drains background work and closes cleanly.
  rocksdb::Status Close();
  // After a crash: opens the DB again and checks it (see Check). The model then forgets
  // the writes the DB legitimately lost, so the workload can continue.
  StressCheck Recover();
  // Compares the open DB with the model: content equal to the acknowledged writes up to the
  // recovered sequence number; never behind the last write that had to survive.
  StressCheck Check() const;

  SimFileSystem& fs() { return *fs_; }
  SimEnv& env() { return *env_; }
  rocksdb::DB* db() { return db_.get(); }
  uint64_t acked_writes() const { return acked_.size(); }
  uint64_t flushes() const;
  uint64_t compactions() const;
  uint64_t last_synced_seq() const { return last_synced_seq_; }

 private:
  class Listener;
  struct Acked {
    StressOp op;
    uint64_t seq;
  };
  Task<void> Workload(uint64_t n, rocksdb::Status* first_error);
  void Abandon();

  Simulation* sim_;
  Options options_;
  StressWorkload workload_;
  std::shared_ptr<SimFileSystem> fs_;
  std::unique_ptr<SimEnv> env_;
  std::shared_ptr<Listener> listener_;
  rocksdb::Options db_options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<Acked> acked_;
  // The last write whose failure left its fate unknown (may or may not be recovered).
  std::vector<Acked> uncertain_;
  uint64_t last_synced_seq_ = 0;   // must survive a power loss
  uint64_t last_acked_seq_ = 0;    // must survive a process crash
  uint64_t must_survive_seq_ = 0;  // what Check() demands after the last crash
};

}  // namespace mqsim::sim
