#include "base/panic.h"

#include <cstdio>
#include <cstdlib>

namespace mqsim::base {

namespace {
PanicHandler& Handler() {
  static PanicHandler handler;
  return handler;
}
}  // namespace

void SetPanicHandler(PanicHandler handler) { Handler() = std::move(handler); }

ScopedPanicHandler::ScopedPanicHandler(PanicHandler handler) : previous_(Handler()) {
  Handler() = std::move(handler);
}

ScopedPanicHandler::~ScopedPanicHandler() { Handler() = std::move(previous_); }

void EnginePanic(const std::string& message) {
  if (Handler()) {
    Handler()(message);
    return;
  }
  std::fprintf(stderr, "panic: %s\n", message.c_str());
  std::abort();
}

}  // namespace mqsim::base
