// CleanRestart: the end of a run stops the store cleanly and starts it again, as an
// operator's restart or upgrade of Milvus does.
//
// Crashes test recovery from a process that died; nothing else in a run closes the store,
// so its clean stop (rocksmq writes back reserved ids and checkpoints, natsmq closes its
// blocks) would go untested. CleanRestart:
//   1. closes the store's engine (MessageQueue::Close);
//   2. calls every operation of the MessageQueue API on `topic`, Close again last, and
//      requires each to answer FAILED_PRECONDITION (UNIMPLEMENTED for an operation the
//      engine does not have): a closed store serves nothing, writes nothing and says why;
//   3. starts the store again through the fault target, so the workload resumes as after a
//      crash's restart (the history records a recovery) and the run's final reads and
//      checks judge what the clean stop kept: every acknowledged message, ids that go on.
// Judged as `shutdown` (2) and `recovery` (3: the store does not open again).
#pragma once

#include <optional>
#include <string>

#include "backends/message_queue.h"
#include "properties/checkers.h"

namespace mqsim::scenarios {

class Harness;

// Step 2 alone: every call of the MessageQueue API on `topic`, in a fixed order; the first
// that answers anything but FAILED_PRECONDITION or UNIMPLEMENTED is a `shutdown` violation
// naming the call and its answer. REQUIRES: q was closed (the calls are not undone).
std::optional<properties::Violation> RefusedAfterClose(backends::MessageQueue& q,
                                                       const std::string& topic);

// REQUIRES: the harness's store is up, keeps files (rocksmq or natsmq) and runs no task of
// the workload (the workload's process was cancelled).
std::optional<properties::Violation> CleanRestart(Harness& harness, const std::string& topic);

}  // namespace mqsim::scenarios
