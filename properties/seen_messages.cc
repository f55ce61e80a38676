#include "properties/seen_messages.h"

#include <algorithm>
#include <utility>

#include "base/assert.h"
#include "properties/history.h"

namespace mqsim::properties {

SeenMessage::SeenMessage(const backends::Message& m)
    : id(m.id), digest(PayloadDigest(m.payload)), bytes(m.payload.size()) {}

SeenMessages::const_iterator& SeenMessages::const_iterator::operator++() {
  MQSIM_ASSERT(at_ != nullptr);
  ++at_;
  if (list_->slices_.empty()) return *this;  // own_: end() is one past its last message
  const Slice* s = &list_->slices_[slice_];
  if (at_ != s->chunk->data() + s->end) return *this;
  if (++slice_ == list_->slices_.size()) {
    at_ = nullptr;
  } else {
    s = &list_->slices_[slice_];
    at_ = s->chunk->data() + s->begin;
  }
  return *this;
}

SeenMessages::const_iterator SeenMessages::begin() const {
  if (slices_.empty()) return const_iterator(this, 0, own_.data());
  return const_iterator(this, 0, slices_.front().chunk->data() + slices_.front().begin);
}

SeenMessages::const_iterator SeenMessages::end() const {
  if (slices_.empty()) return const_iterator(this, 0, own_.data() + own_.size());
  return const_iterator(this, slices_.size(), nullptr);
}

const SeenMessage& SeenMessages::front() const {
  MQSIM_ASSERT(size_ > 0);
  return *begin();
}

const SeenMessage& SeenMessages::back() const {
  MQSIM_ASSERT(size_ > 0);
  if (slices_.empty()) return own_.back();
  return (*slices_.back().chunk)[slices_.back().end - 1];
}

void SeenMessages::push_back(const SeenMessage& m) {
  MQSIM_ASSERT_MSG(slices_.empty(), "a shared list is immutable");
  own_.push_back(m);
  ++size_;
}

namespace {

// Where the earlier list holds id: the slice and the index in its chunk, or the end.
template <typename Slices>
std::pair<size_t, size_t> Locate(const Slices& slices, backends::MessageId id) {
  for (size_t s = 0; s < slices.size(); ++s) {
    const auto& sl = slices[s];
    const SeenMessage* first = sl.chunk->data() + sl.begin;
    const SeenMessage* last = sl.chunk->data() + sl.end;
    if (sl.begin == sl.end || (last - 1)->id < id) continue;
    const SeenMessage* at = std::lower_bound(
        first, last, id, [](const SeenMessage& m, backends::MessageId v) { return m.id < v; });
    return {s, static_cast<size_t>(at - sl.chunk->data())};
  }
  return {slices.size(), 0};
}

}  // namespace

SeenMessages SeenMessages::Share(const SeenMessages& earlier, SeenMessages now_list) {
  MQSIM_ASSERT(!now_list.shared());
  std::vector<SeenMessage> now = std::move(now_list.own_);
  SeenMessages out;
  out.size_ = now.size();
  // The earlier list as slices (its own messages become one shared chunk of their own: the
  // caller keeps `earlier`, so they are copied once, not shared).
  std::vector<Slice> from = earlier.slices_;
  if (from.empty() && !earlier.own_.empty()) {
    from.push_back(Slice{std::make_shared<const Chunk>(earlier.own_), 0, earlier.own_.size()});
  }
  size_t taken = 0;  // messages of `now` found in `earlier`, from its first on
  auto [s, at] =
      now.empty() ? std::pair<size_t, size_t>{from.size(), 0} : Locate(from, now.front().id);
  while (s < from.size() && taken < now.size()) {
    const Slice& sl = from[s];
    const size_t begin = at;
    while (at < sl.end && taken < now.size() && (*sl.chunk)[at] == now[taken]) {
      ++at;
      ++taken;
    }
    if (at > begin) out.slices_.push_back(Slice{sl.chunk, begin, at});
    if (at < sl.end) break;  // a difference: the rest of `now` is new
    if (++s < from.size()) at = from[s].begin;
  }
  if (taken < now.size()) {  // the new messages, in a chunk of their size
    auto rest = taken == 0 ? std::make_shared<const Chunk>(std::move(now))
                           : std::make_shared<const Chunk>(
                                 now.begin() + static_cast<std::ptrdiff_t>(taken), now.end());
    out.slices_.push_back(Slice{rest, 0, rest->size()});
  }
  MQSIM_ASSERT(out.slices_.empty() == (out.size_ == 0));
  return out;
}

}  // namespace mqsim::properties
