// AckedIndex: the acknowledged produces of one topic incarnation, in id order, each id with
// the history event that acknowledged it (the event holds its time, size, digest and sync
// flag). Ids are acknowledged in increasing order — the ordering check reports when not — so
// recording one is an append and every query is a bisection; an out-of-order id costs an
// insertion, never a wrong answer.
#pragma once

#include <cstddef>
#include <vector>

#include "properties/history.h"

namespace mqsim::properties {

class AckedIndex {
 public:
  struct Entry {
    MessageId id;
    size_t event;  // the acknowledging produce, an index into the history
  };
  using const_iterator = std::vector<Entry>::const_iterator;

  // Records that `event` acknowledged `id`. A later acknowledgement of an id already held
  // replaces the earlier one (the last answer for an id is the one that counts).
  // REQUIRES: `event` is above every event recorded before (the history is walked in order).
  void Put(MessageId id, size_t event);
  // Forgets every entry for which drop(entry) is true.
  template <typename Drop>
  void EraseIf(Drop drop) {
    std::erase_if(entries_, drop);
  }
  // Forgets every entry.
  void Clear() { entries_.clear(); }

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  // The entry with the largest id. REQUIRES: !empty().
  const Entry& back() const;
  // The first entry with an id >= `id` (LowerBound) or > `id` (UpperBound), or end().
  const_iterator LowerBound(MessageId id) const;
  const_iterator UpperBound(MessageId id) const;
  // The entry of `id`, or nullptr if it was never acknowledged (or was forgotten).
  const Entry* Find(MessageId id) const;

 private:
  std::vector<Entry> entries_;  // strictly increasing ids
  size_t next_event_ = 0;       // every event recorded so far is below this
};

}  // namespace mqsim::properties
