// ProducedPayloads: the digest of every payload produced to one topic incarnation,
// acknowledged or not — a produce whose answer was lost may still have been stored, so a
// read may legitimately hold it under an id nobody acknowledged. Recording is an append per
// produce; the hash index behind Contains() is built only when a lookup needs it, which
// only a message without an acknowledgement (or a destroyed incarnation's) does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_set>
#include <vector>

namespace mqsim::properties {

class ProducedPayloads {
 public:
  void Add(uint64_t digest) { digests_.push_back(digest); }
  // Whether a payload with this digest was produced. Not const: it catches the index up
  // with the produces recorded since the last lookup.
  bool Contains(uint64_t digest);
  // Every digest, in produce order.
  const std::vector<uint64_t>& digests() const { return digests_; }

 private:
  std::vector<uint64_t> digests_;
  std::unordered_set<uint64_t> index_;  // looked up only, never iterated
  size_t indexed_ = 0;                  // digests_[0, indexed_) are in index_
};

}  // namespace mqsim::properties
