// SeenMessages: the messages one history event saw (a Consume, a Receive, a full read), in
// the order delivered.
//
// A full read of a topic repeats most of the previous full read of that topic: retention
// took some messages from the front, producers added some at the end. Kept as plain copies,
// a run that reads its topics every 30 s holds every message once per read, so the history
// grows with the square of the run's length. SeenMessages can instead be built as a share
// of an earlier list (Share): the run of messages both hold is kept as slices of that list's
// immutable chunks, and only the new messages take memory of their own. The contents, their
// order and everything the accessors answer are exactly those of the plain list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <vector>

#include "backends/message_queue.h"

namespace mqsim::properties {

// A delivered message as the history keeps it: its id, and its payload's size and digest
// instead of the bytes, so a long soak's reads cost 24 bytes per message whatever the
// payload size. Built implicitly from a backends::Message.
struct SeenMessage {
  backends::MessageId id = backends::kNoMessage;
  uint64_t digest = 0;
  uint64_t bytes = 0;
  SeenMessage() = default;
  SeenMessage(backends::MessageId i, uint64_t d, uint64_t b) : id(i), digest(d), bytes(b) {}
  SeenMessage(const backends::Message& m);  // NOLINT: implicit on purpose (from reads)
  bool operator==(const SeenMessage&) const = default;
};

class SeenMessages {
  using Chunk = std::vector<SeenMessage>;
  struct Slice {
    std::shared_ptr<const Chunk> chunk;
    size_t begin = 0;
    size_t end = 0;
  };

 public:
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = SeenMessage;
    using difference_type = std::ptrdiff_t;
    using pointer = const SeenMessage*;
    using reference = const SeenMessage&;
    const_iterator() = default;
    reference operator*() const { return *at_; }
    pointer operator->() const { return at_; }
    const_iterator& operator++();
    const_iterator operator++(int) {
      const_iterator was = *this;
      ++*this;
      return was;
    }
    bool operator==(const const_iterator& o) const { return at_ == o.at_; }

   private:
    friend class SeenMessages;
    const_iterator(const SeenMessages* list, size_t slice, const SeenMessage* at)
        : list_(list), slice_(slice), at_(at) {}
    const SeenMessages* list_ = nullptr;
    size_t slice_ = 0;  // shared lists: the slice at_ points into
    const SeenMessage* at_ = nullptr;
  };

  SeenMessages() = default;
  SeenMessages(std::vector<SeenMessage> own)  // NOLINT: implicit, as the plain list it stands for
      : own_(std::move(own)), size_(own_.size()) {}
  SeenMessages(std::initializer_list<SeenMessage> own) : SeenMessages(std::vector(own)) {}

  // `now` as a share of `earlier`: the longest run of `now` from its first message that
  // `earlier` holds in the same order (found by id, compared by id, digest and size) is kept
  // as slices of earlier's chunks; the rest is one new chunk. Equal in content to `now`.
  // Sharing is found only where `earlier` is in increasing id order (a full read is); the
  // result equals `now` whatever the lists hold.
  // REQUIRES: `now` is not shared.
  static SeenMessages Share(const SeenMessages& earlier, SeenMessages now);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // REQUIRES: !empty().
  const SeenMessage& front() const;
  const SeenMessage& back() const;
  const_iterator begin() const;
  const_iterator end() const;
  // Appends to a list that shares nothing (histories built by hand in tests).
  // REQUIRES: the list was not built by Share.
  void push_back(const SeenMessage& m);
  // Whether some of the contents are slices of another list's chunks (tests, reports).
  bool shared() const { return !slices_.empty(); }

 private:
  // Slices of shared chunks, when built by Share; else own_ holds the messages.
  std::vector<Slice> slices_;
  std::vector<SeenMessage> own_;
  size_t size_ = 0;
};

}  // namespace mqsim::properties
