// Serialized message positions, tagged with the engine that wrote them.
//
// Milvus checkpoints a channel's position as the engine's own id bytes. RocksMQ, NATS and
// Kafka all write 8 little-endian bytes, so a checkpoint taken on one store and read after
// switching to another is silently a different message (milvus#26002, #33122). Ours carry a
// tag: "mqpos" magic, the engine type, then the engine's bytes. Reading a position of
// another engine is an error naming both; only with `mq.ignoreBadPosition: true` is it
// replaced by "latest", with a warning, as Milvus does.
#pragma once

#include <absl/status/statusor.h>

#include <string>
#include <string_view>

#include "backends/message_queue.h"

namespace mqsim::backends {

std::string EncodePosition(const MessageQueue& mq, MessageId id);

// The id a position designates on mq, or FailedPrecondition if it was written by another
// engine (or InvalidArgument if it is not a position at all).
absl::StatusOr<MessageId> DecodePosition(const MessageQueue& mq, std::string_view position);

// Seeks group to the message after a checkpointed position (Milvus resumes after the last
// consumed message). A foreign or unreadable position fails, unless ignore_bad_position:
// then the group seeks to latest and *warning says why.
absl::Status SeekAfterPosition(MessageQueue& mq, const std::string& topic, const std::string& group,
                               std::string_view position, bool ignore_bad_position,
                               std::string* warning);

}  // namespace mqsim::backends
