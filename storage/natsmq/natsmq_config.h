// Parsing the `natsmq:` section of milvus.yaml into NatsMqOptions: every key of Milvus's
// section with its default (server.port, storeDir, maxFileStore, maxPayload, maxPending,
// initializeTimeout, monitor.*, retention.maxAge/maxBytes/maxMsgs, all under server, where
// empty means unlimited), plus mqsim's syncInterval ("2m" style duration or "always"). Unknown keys
// and wrong types are errors naming the file, the line and the key.
#pragma once

#include <absl/status/statusor.h>

#include <string>
#include <string_view>

#include "base/yaml_config.h"
#include "storage/natsmq/natsmq_options.h"

namespace mqsim::natsmq {

absl::StatusOr<NatsMqOptions> ParseNatsMqConfig(base::YamlSection section);
absl::StatusOr<NatsMqOptions> ParseNatsMqConfigText(std::string_view yaml, const std::string& file);
absl::Status ValidateNatsMqOptions(const NatsMqOptions& options);

}  // namespace mqsim::natsmq
