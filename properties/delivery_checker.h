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
//     between) means the store closed it on its own; an empty, successful Receive after a
//     successful destroy means it was never closed (buffered messages may still come out).
// A switch of mq.type ends every subscription but keeps each topic's acknowledged ids: a
// subscription that begins after it is owed only ids above the newest one ever acknowledged
// under the topic's name.
#pragma once

#include <cstdint>
#include <optional>

#include "properties/checkers.h"
#include "sim/time.h"

namespace mqsim::properties {

std::optional<Violation> CheckDeliveryLiveness(const History& h, sim::Duration bound);

}  // namespace mqsim::properties
