// Refusals explained: a store that refuses calls must have a reason the run gave it.
//
// After a failed write rocksmq refuses calls until it has reopened its databases, trying
// again with a backoff of up to 16 s; what makes a write fail is a full disk, a failing
// write point or a crash that cut the call short. A store that keeps refusing after every
// such cause is gone has not recovered. So every refusal (a call answered UNAVAILABLE,
// RESOURCE_EXHAUSTED, INTERNAL, DATA_LOSS, UNKNOWN, ABORTED or DEADLINE_EXCEEDED; not the
// answers about the caller's own input or state, such as NOT_FOUND or FAILED_PRECONDITION)
// must have a cause overlapping the `bound` before it: a window the disk was full, a fault
// point failing, a crash point taking the disk away inside a call (the causes a run's fault
// injector records), or a crash or power loss of the history. A cause may begin while the
// call is still running (a call stalled on the disk meets a failing fault point halfway;
// the history records when it returned) or up to a second after it returned (a crash that
// cut the call short). Judged as `recovery`.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "properties/checkers.h"
#include "sim/time.h"

namespace mqsim::properties {

// `causes`: [begin, end] in simulated nanoseconds (the history's clock), in any order.
// REQUIRES: begin <= end for each cause.
std::optional<Violation> CheckRefusalsExplained(const History& h,
                                                std::vector<std::pair<int64_t, int64_t>> causes,
                                                sim::Duration bound);

// Whether a call answered with this absl::StatusCode was refused by the store (as opposed
// to an answer about the call itself).
bool IsRefusal(int code);

}  // namespace mqsim::properties
