// The supervisor: each run in a child process, so that an engine that kills its process
// (a SIGSEGV, the SIGABRT of a failed assertion) is a verdict and not a silent death.
//
// A child that dies before handing over its result becomes
//   RESULT fail ... property=engine_crash
// whose detail names the signal (or exit status) and lists the last trace events before
// it. Those come from replaying the same seed in a second child that records every event
// into a ring in shared memory, which outlives the child; the replay also gives the
// verdict's steps and hash (those of the last event before the crash). A replay that does
// not crash again is said so: the crash did not follow from the seed alone.
//
// Children die with their parent (PR_SET_PDEATHSIG): killing mqsim leaves none behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>

#include "properties/property.h"
#include "scenarios/runner.h"
#include "scenarios/scenario.h"

namespace mqsim::scenarios {

// What a child runs: by default RunScenario(scenario, options); the command line's run
// passes its own (trace files are written by the child).
using RunBody = std::function<RunResult()>;

// A run under way in a child process.
struct Child {
  pid_t pid = -1;
  int fd = -1;  // an in-memory file the child writes its result into
  std::chrono::steady_clock::time_point started;
};

// Starts `body` in a child, with no signal blocked; in a process group of its own when
// own_process_group (a terminal's Ctrl-C then reaches only the parent, which decides).
// REQUIRES: the caller reaps the child with Finish (or kills, reaps and closes child.fd).
Child Start(const RunBody& body, bool own_process_group = false);

// Reads the result of a child that has exited with wait status `status`; for a child that
// died without one, the engine_crash verdict (running the replay described above). The
// result's wall_seconds is the child's lifetime.
RunResult Finish(const Child& child, int status, const Scenario& scenario,
                 const RunOptions& options);

// Start, wait, Finish.
RunResult RunSupervised(const Scenario& scenario, const RunOptions& options,
                        const RunBody& body = nullptr);

}  // namespace mqsim::scenarios
