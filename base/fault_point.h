// Fault points: named places inside the engines where a test may make an operation fail.
//
// MQSIM_FAULT_POINT("rocksmq/produce/before-write") is a libfiu point of failure: it is
// true only when a controller has enabled the point (faults/fault_points.h does so with
// fiu_enable_external, so the run's seed decides each time) and the controller says it
// fails now. Natively nothing enables points and they cost one libfiu lookup.
//
// An engine treats a failing point as the failure the place stands for (a write that did
// not happen, or happened without its acknowledgement reaching the caller) and returns
// InjectedFault(name), an IOError naming the point.
#pragma once

#include <absl/status/status.h>
#include <fiu.h>

#include <string>

#define MQSIM_FAULT_POINT(name) (fiu_fail(name) != 0)

namespace mqsim::base {

inline absl::Status InjectedFault(const char* point, const std::string& what) {
  return absl::UnavailableError("injected fault at " + std::string(point) + ": " + what +
                                " failed (I/O error)");
}

}  // namespace mqsim::base
