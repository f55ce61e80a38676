// MQSIM_RETURN_IF_ERROR(expr): returns the absl::Status of expr from the enclosing
// function when it is not OK.
#pragma once

#include <absl/status/status.h>

#define MQSIM_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::absl::Status _mqsim_status = (expr);         \
    if (!_mqsim_status.ok()) return _mqsim_status; \
  } while (0)
