#include "properties/acked_index.h"

#include <algorithm>

#include "base/assert.h"

namespace mqsim::properties {

void AckedIndex::Put(MessageId id, size_t event) {
  MQSIM_ASSERT(event >= next_event_);
  next_event_ = event + 1;
  if (entries_.empty() || entries_.back().id < id) {
    entries_.push_back(Entry{id, event});
    return;
  }
  auto at = std::lower_bound(entries_.begin(), entries_.end(), id,
                             [](const Entry& e, MessageId v) { return e.id < v; });
  if (at != entries_.end() && at->id == id) {
    at->event = event;
  } else {
    entries_.insert(at, Entry{id, event});
  }
}

const AckedIndex::Entry& AckedIndex::back() const {
  MQSIM_ASSERT(!entries_.empty());
  return entries_.back();
}

AckedIndex::const_iterator AckedIndex::LowerBound(MessageId id) const {
  return std::lower_bound(entries_.begin(), entries_.end(), id,
                          [](const Entry& e, MessageId v) { return e.id < v; });
}

AckedIndex::const_iterator AckedIndex::UpperBound(MessageId id) const {
  return std::upper_bound(entries_.begin(), entries_.end(), id,
                          [](MessageId v, const Entry& e) { return v < e.id; });
}

const AckedIndex::Entry* AckedIndex::Find(MessageId id) const {
  auto it = LowerBound(id);
  return it != entries_.end() && it->id == id ? &*it : nullptr;
}

}  // namespace mqsim::properties
