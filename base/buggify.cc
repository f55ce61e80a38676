#include "base/buggify.h"

namespace mqsim::base {
namespace {
BuggifySource* g_source = nullptr;
}  // namespace

void SetBuggifySource(BuggifySource* source) { g_source = source; }
BuggifySource* GetBuggifySource() { return g_source; }

}  // namespace mqsim::base
