#include "scenarios/embedded.h"

namespace mqsim::scenarios {

absl::StatusOr<std::string> ReadEmbedded(const std::string& path) {
  std::string name = path;
  if (name.starts_with("scenarios/")) name = name.substr(10);
  if (name.starts_with("./")) name = name.substr(2);
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    if (f.name == name) return f.text;
  }
  return absl::NotFoundError(path + ": no such file (and no such embedded scenario)");
}

}  // namespace mqsim::scenarios
