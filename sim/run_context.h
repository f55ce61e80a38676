// RunContext: the process-wide state of one simulated run, installed when the run starts
// and removed when it ends, so no run inherits another's.
//
//   - RocksDB's internal generators (session ids, unique ids, skip-list heights) reseeded
//     from the run seed, and its memtable block charging made heap-independent
//     (sim/rocksdb_interpose.h);
//   - the bug modes of the run switched on (base/bug_modes.h); the previous set comes back
//     when the context ends.
//
// The other process-wide switches are scoped by their owners for the same lifetime:
// base::ScopedPanicHandler, faults::Buggify and faults::FaultPoints (libfiu arming).
//
// Contexts nest in a stack discipline (a test may hold two simulated worlds side by side):
// the newest one's state is in force and each restores the bug modes it replaced. Runs in
// parallel use processes, never threads (scenarios/supervisor.h).
#pragma once

#include <cstdint>

namespace mqsim::sim {

class RunContext {
 public:
  RunContext(uint64_t seed, uint64_t bugs);
  ~RunContext();
  RunContext(const RunContext&) = delete;
  RunContext& operator=(const RunContext&) = delete;

  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_;
  uint64_t previous_bugs_;
};

}  // namespace mqsim::sim
