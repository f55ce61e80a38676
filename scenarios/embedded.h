// The stock scenarios (scenarios/*.yaml and the files they refer to), embedded in the
// mqsim binary at build time so `mqsim` with no arguments runs them anywhere.
#pragma once

#include <string>
#include <vector>

namespace mqsim::scenarios {

struct EmbeddedFile {
  std::string name;  // path under scenarios/, e.g. "helm/values-natsmq.yaml"
  std::string text;
};

const std::vector<EmbeddedFile>& EmbeddedFiles();

}  // namespace mqsim::scenarios
