#include "sim/run_context.h"

#include "base/bug_modes.h"
#include "sim/rocksdb_interpose.h"

namespace mqsim::sim {

RunContext::RunContext(uint64_t seed, uint64_t bugs)
    : seed_(seed), previous_bugs_(base::ActiveBugs()) {
  ResetRocksDbInternals(seed);
  base::SetBugs(bugs);
}

RunContext::~RunContext() { base::SetBugs(previous_bugs_); }

}  // namespace mqsim::sim
