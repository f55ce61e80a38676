#include "sim/run_context.h"

#include "base/assert.h"
#include "base/bug_modes.h"
#include "sim/rocksdb_interpose.h"

namespace mqsim::sim {

namespace {
bool g_live = false;
}  // namespace

RunContext::RunContext(uint64_t seed, uint64_t bugs)
    : seed_(seed), previous_bugs_(base::ActiveBugs()) {
  MQSIM_ASSERT_MSG(!g_live, "one simulated run at a time in a process");
  g_live = true;
  ResetRocksDbInternals(seed);
  base::SetBugs(bugs);
}

RunContext::~RunContext() {
  base::SetBugs(previous_bugs_);
  g_live = false;
}

}  // namespace mqsim::sim
