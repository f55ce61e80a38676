// Always-on assertions for invariants (they do not depend on NDEBUG).
//
// MQSIM_ASSERT(cond) and MQSIM_ASSERT_MSG(cond, msg) abort with file, line and the failed
// condition. They are for things that must never happen whatever the input (a broken
// invariant is a bug in mqsim); bad input is reported through Status values instead.
#pragma once

namespace mqsim::base {
[[noreturn]] void AssertFailed(const char* file, int line, const char* condition,
                               const char* message);
}  // namespace mqsim::base

#define MQSIM_ASSERT(cond)                                             \
  do {                                                                 \
    if (!(cond)) [[unlikely]]                                          \
      ::mqsim::base::AssertFailed(__FILE__, __LINE__, #cond, nullptr); \
  } while (0)

#define MQSIM_ASSERT_MSG(cond, msg)                                  \
  do {                                                               \
    if (!(cond)) [[unlikely]]                                        \
      ::mqsim::base::AssertFailed(__FILE__, __LINE__, #cond, (msg)); \
  } while (0)
