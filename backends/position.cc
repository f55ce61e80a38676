#include "backends/position.h"

#include "base/bug_modes.h"

namespace mqsim::backends {

namespace {
constexpr std::string_view kMagic = "mqpos";
}  // namespace

std::string EncodePosition(const MessageQueue& mq, MessageId id) {
  std::string out(kMagic);
  out += static_cast<char>(mq.type());
  out += mq.EncodeId(id);
  return out;
}

absl::StatusOr<MessageId> DecodePosition(const MessageQueue& mq, std::string_view position) {
  if (position.size() < kMagic.size() + 1 || position.substr(0, kMagic.size()) != kMagic) {
    return absl::InvalidArgumentError("not a message position (" + std::to_string(position.size()) +
                                      " bytes, no tag)");
  }
  const auto tag = static_cast<unsigned char>(position[kMagic.size()]);
  if (tag > static_cast<unsigned char>(MqType::kModel)) {
    return absl::InvalidArgumentError("message position with unknown engine tag " +
                                      std::to_string(tag));
  }
  const auto writer = static_cast<MqType>(tag);
  // Bug mode foreign_position_silent (milvus#26002, #33122): the tag is not checked, and
  // another engine's id bytes are read as this engine's id.
  if (writer != mq.type() && !MQSIM_BUG(kForeignPositionSilent)) {
    return absl::FailedPreconditionError(
        "message position was written by " + std::string(ToString(writer)) +
        " and cannot be read by " + std::string(ToString(mq.type())) +
        " (switching message stores needs a FlushAll first; set mq.ignoreBadPosition to "
        "start from latest instead)");
  }
  absl::StatusOr<MessageId> id = mq.DecodeId(position.substr(kMagic.size() + 1));
  if (!id.ok() && writer != mq.type() && MQSIM_BUG(kForeignPositionSilent)) {
    // (a 16-byte Pulsar position read as 8 bytes: the first 8 are taken)
    return mq.DecodeId(position.substr(kMagic.size() + 1, 8));
  }
  return id;
}

absl::Status SeekAfterPosition(MessageQueue& mq, const std::string& topic, const std::string& group,
                               std::string_view position, bool ignore_bad_position,
                               std::string* warning) {
  absl::StatusOr<MessageId> id = DecodePosition(mq, position);
  // Bug mode resume_includes_checkpoint: the checkpoint's own message is read again.
  if (id.ok()) return mq.Seek(topic, group, MQSIM_BUG(kResumeIncludesCheckpoint) ? *id : *id + 1);
  if (!ignore_bad_position) return id.status();
  if (warning != nullptr) {
    *warning = "ignoring bad position on " + topic + " (" + std::string(id.status().message()) +
               "); starting from latest because mq.ignoreBadPosition is true";
  }
  return mq.SeekToLatest(topic, group);
}

}  // namespace mqsim::backends
