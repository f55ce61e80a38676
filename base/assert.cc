#include "base/assert.h"

#include <cstdio>
#include <cstdlib>

namespace mqsim::base {

void AssertFailed(const char* file, int line, const char* condition, const char* message) {
  std::fprintf(stderr, "%s:%d: assertion failed: %s%s%s\n", file, line, condition,
               message ? ": " : "", message ? message : "");
  std::fflush(stderr);
  std::abort();
}

}  // namespace mqsim::base
