// Parsing and validating the `rocksmq:` section of milvus.yaml into RocksMqOptions.
//
// Every key of Milvus's section with its default; compressionTypes as a list or a
// comma-separated string, each 0 (none) or 7 (zstd), one per LSM level; unknown keys and
// wrong types are InvalidArgument errors naming the file, the line and the key.
#pragma once

#include <absl/status/statusor.h>

#include <string>
#include <string_view>

#include "base/yaml_config.h"
#include "storage/rocksmq/rocksmq_options.h"

namespace mqsim::rocksmq {

// section: the value of the `rocksmq` key (may be absent: all defaults).
absl::StatusOr<RocksMqOptions> ParseRocksMqConfig(base::YamlSection section);
// Convenience: a whole milvus.yaml text; only its `rocksmq:` section is read.
absl::StatusOr<RocksMqOptions> ParseRocksMqConfigText(std::string_view yaml,
                                                      const std::string& file);
// Validates values (also for options built in code).
absl::Status ValidateRocksMqOptions(const RocksMqOptions& options);
// "0,0,7,7,7" -> {0,0,7,7,7}; errors name the bad element.
absl::StatusOr<std::vector<int>> ParseCompressionTypes(std::string_view text);

}  // namespace mqsim::rocksmq
