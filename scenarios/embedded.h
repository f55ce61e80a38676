// The stock scenarios (scenarios/*.yaml and the files they refer to), embedded in the
// mqsim binary at build time so `mqsim` with no arguments runs them anywhere.
#pragma once

#include <absl/status/statusor.h>

#include <string>
#include <vector>

namespace mqsim::scenarios {

struct EmbeddedFile {
  std::string name;  // path under scenarios/, e.g. "helm/values-natsmq.yaml"
  std::string text;
};

const std::vector<EmbeddedFile>& EmbeddedFiles();

// An embedded file by its path ("rocksmq-retention.yaml", "scenarios/helm/values.yaml"):
// a scenarios::FileReader for scenarios that are not on disk.
absl::StatusOr<std::string> ReadEmbedded(const std::string& path);

}  // namespace mqsim::scenarios
