// The build's version: the commit the binary was built from, stamped by Bazel's workspace
// status (tools/workspace_status.sh), "+dirty" when the tree had uncommitted changes,
// "unknown" outside a git checkout.
#pragma once

#include <string_view>

namespace mqsim::scenarios {

std::string_view BuildVersion();

}  // namespace mqsim::scenarios
