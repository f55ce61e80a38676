#include "properties/interned.h"

#include <mutex>
#include <set>

namespace mqsim::properties {

const std::string& Interned::Intern(std::string_view s) {
  // Node-based: an interned string never moves. Looked up by content (std::less<>).
  // Guarded: a native-world run may record from more than one thread.
  static std::mutex* const mu = new std::mutex;
  static std::set<std::string, std::less<>>* const names = new std::set<std::string, std::less<>>;
  std::lock_guard<std::mutex> lock(*mu);
  auto it = names->find(s);
  if (it == names->end()) it = names->emplace(s).first;
  return *it;
}

}  // namespace mqsim::properties
