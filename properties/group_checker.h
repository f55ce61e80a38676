// Groups kept: a consumer group answers every call from its creation until it or its topic
// is destroyed or the store restarts. A Consume, Seek, SeekToLatest or Subscribe failing with
// NOT_FOUND on a topic created and not destroyed since, for a group created on it and not
// destroyed since, with no crash, power loss, recovery or mq.type switch in between, means
// the store lost the group (or the topic) while it was serving. CreateTopic is idempotent:
// answered ALREADY_EXISTS, or INVALID_ARGUMENT for a topic known to exist, it fails too.
//
// Ambiguous outcomes are read leniently: a failed CreateTopic leaves the topic unknown, a
// failed DestroyTopic or DestroyGroup counts as done, a CreateGroup answered ALREADY_EXISTS
// counts as made. A failed Seek or SeekToLatest may have removed the group too: natsmq, as
// Milvus over JetStream, seeks by deleting the durable consumer and creating it again at
// the new start, and a failure in between leaves no consumer.
#pragma once

#include <optional>

#include "properties/checkers.h"

namespace mqsim::properties {

std::optional<Violation> CheckGroupsKept(const History& h);

}  // namespace mqsim::properties
