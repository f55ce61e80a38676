// Lists of names kept as constant arrays in several places (each engine's fault points,
// BUGGIFY sites and probes), joined into one list.
#pragma once

#include <cstddef>
#include <iterator>
#include <string>
#include <vector>

namespace mqsim::base {

// The names of `first`, then those of `second`, in their order.
template <size_t N, size_t M>
std::vector<std::string> JoinNames(const char* const (&first)[N], const char* const (&second)[M]) {
  std::vector<std::string> v(std::begin(first), std::end(first));
  v.insert(v.end(), std::begin(second), std::end(second));
  return v;
}

}  // namespace mqsim::base
