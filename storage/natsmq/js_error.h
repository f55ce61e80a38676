// JetStream errors as absl::Status values carrying the real server's error code.
//
// The message reads like nats-server's ("maximum messages exceeded") followed by the code:
// "maximum messages exceeded (JetStream error 10077)"; JsErrorCode() gives the code back.
#pragma once

#include <absl/status/status.h>

#include <string>

namespace mqsim::natsmq {

enum JsCode : int {
  kJsBadRequest = 10003,                // "bad request"
  kJsInsufficientResources = 10023,     // "insufficient resources"
  kJsNoMessageFound = 10037,            // "no message found"
  kJsStorageResourcesExceeded = 10047,  // "insufficient storage resources available"
  kJsMaxAgeTooSmall = 10052,            // "max age needs to be >= 100ms"
  kJsMessageSizeExceeded = 10054,       // "message size exceeds maximum allowed"
  kJsStreamNotFound = 10059,            // "stream not found"
  kJsStreamNameExists = 10058,       // "stream name already in use with a different configuration"
  kJsStreamLimits = 10077,           // "maximum messages exceeded" / "maximum bytes exceeded"
  kJsConsumerNotFound = 10014,       // "consumer not found"
  kJsStartSequenceNotSet = 10094,    // start sequence required for deliver-by-start-sequence
  kJsSequenceNotFound = 10043,       // "sequence N not found" (delete of a deleted sequence)
  kJsStreamMsgDeleteFailed = 10057,  // "no message found" / "stream store EOF" (delete)
};

absl::Status JsError(absl::StatusCode code, int js_code, const std::string& text);
// The JetStream code of a status made by JsError, or 0.
int JsErrorCode(const absl::Status& status);

}  // namespace mqsim::natsmq
