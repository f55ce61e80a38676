// EnginePanic: what an engine does where the real one would crash the process (a Go
// panic in Milvus). Natively it aborts; a simulation installs a handler that records the
// panic as a failed property and lets the engine return an error instead.
#pragma once

#include <functional>
#include <string>

namespace mqsim::base {

using PanicHandler = std::function<void(const std::string& message)>;
void SetPanicHandler(PanicHandler handler);  // empty: abort
void EnginePanic(const std::string& message);

// Installs a handler for its lifetime; the previous one comes back after.
class ScopedPanicHandler {
 public:
  explicit ScopedPanicHandler(PanicHandler handler);
  ~ScopedPanicHandler();
  ScopedPanicHandler(const ScopedPanicHandler&) = delete;
  ScopedPanicHandler& operator=(const ScopedPanicHandler&) = delete;

 private:
  PanicHandler previous_;
};

}  // namespace mqsim::base
