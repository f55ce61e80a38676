#include "storage/natsmq/js_error.h"

#include <cstdlib>

namespace mqsim::natsmq {

namespace {
constexpr char kMarker[] = "(JetStream error ";
}

absl::Status JsError(absl::StatusCode code, int js_code, const std::string& text) {
  return absl::Status(code, text + " " + kMarker + std::to_string(js_code) + ")");
}

int JsErrorCode(const absl::Status& status) {
  const std::string message(status.message());
  const size_t at = message.rfind(kMarker);
  if (at == std::string::npos) return 0;
  return std::atoi(message.c_str() + at + sizeof(kMarker) - 1);
}

}  // namespace mqsim::natsmq
