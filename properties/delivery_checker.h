// Delivery liveness for push consumers (kSubscribe / kReceive events): a subscriber whose
// application keeps reading gets every message acknowledged to its topic after it
// subscribed, in id order, and promptly. Judged at each Receive, for each subscription
// until its topic or group is destroyed or the store crashes (the harness subscribes anew):
//   - received ids increase, and no acknowledged message is passed over;
//   - an empty Receive while a message acknowledged more than bound_ns ago is still owed
//     means the subscriber was never woken for it (milvus#34045, #27801); when the store
//     refused a fetch of the delivery task (a failed kConsume of the group) after the
//     acknowledgement, the bound counts from that refusal (the task retries on its next run).
//   - the store closes a subscription exactly when its group or topic is destroyed: a failed
//     Receive on one whose group and topic are still there (and no restart or switch came
//     between, nor a crash at that instant: a crash point inside the call) means the store
//     closed it on its own; an empty, successful Receive after a
//     successful destroy means it was never closed (buffered messages may still come out);
//   - with a byte bound on the buffer (natsmq's maxPending; max_pending_bytes), the store
//     cuts a subscriber off as a slow consumer exactly when what its delivery task took from
//     the group and the application has not yet received (kConsume less kReceive, payload
//     bytes) exceeds the bound: a Receive answered ResourceExhausted ends the subscription
//     only then, and a successful Receive while more than the bound was buffered means the
//     store never cut it off.
// A switch of mq.type ends every subscription but keeps each topic's acknowledged ids: a
// subscription that begins after it is owed only ids above the newest one ever acknowledged
// under the topic's name.
#pragma once

#include <cstdint>
#include <optional>

#include "properties/checkers.h"
#include "sim/time.h"

namespace mqsim::properties {

std::optional<Violation> CheckDeliveryLiveness(
    const History& h, sim::Duration bound,
    std::optional<uint64_t> max_pending_bytes = std::nullopt);

}  // namespace mqsim::properties
