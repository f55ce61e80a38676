#include "base/probe.h"

namespace mqsim::base {
namespace {
ProbeSink* g_sink = nullptr;
}  // namespace

void SetProbeSink(ProbeSink* sink) { g_sink = sink; }
ProbeSink* GetProbeSink() { return g_sink; }

}  // namespace mqsim::base
