#include "properties/produced_payloads.h"

#include "base/assert.h"

namespace mqsim::properties {

bool ProducedPayloads::Contains(uint64_t digest) {
  MQSIM_ASSERT(indexed_ <= digests_.size());
  for (; indexed_ < digests_.size(); ++indexed_) index_.insert(digests_[indexed_]);
  return index_.contains(digest);
}

}  // namespace mqsim::properties
