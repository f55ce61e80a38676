#include "sim/inode.h"

#include <algorithm>

namespace mqsim::sim {

void Inode::Write(uint64_t offset, std::string_view bytes) {
  if (offset == data.size()) {
    data.Append(bytes);
  } else {
    data.WriteAt(offset, bytes);
    if (offset < durable.size()) rewritten_since_sync = true;
  }
}

void Inode::Resize(uint64_t size_bytes) {
  data.Resize(size_bytes);
  if (size_bytes < durable.size()) rewritten_since_sync = true;
}

void Inode::Sync() {
  if (!rewritten_since_sync && durable.size() <= data.size()) {
    // Only appended to since the last sync: the platter content is a prefix of the page
    // cache (the prefix rule), so the platter takes the page cache's chunks from its own
    // end onward: no bytes copied, O(new chunks) (ExtendToShare spot-checks the prefix).
    // Copying the whole file made a file synced after every append (a WAL under
    // produceSync, a natsmq block under sync always) quadratic over its life; copying the
    // new tail was still 8-16% of such runs.
    durable.ExtendToShare(data);
  } else {
    durable = data;  // shares every chunk; later writes copy what they change
  }
  rewritten_since_sync = false;
}

InodePtr InodeStore::New() {
  auto inode = std::make_shared<Inode>();
  inode->id = next_id_++;
  return inode;
}

InodePtr InodeStore::New(ChunkedBytes content) {
  InodePtr inode = New();
  used_bytes_ += content.size();
  inode->data = content;
  inode->durable = std::move(content);
  return inode;
}

bool InodeStore::Fits(uint64_t old_size, uint64_t new_size, uint64_t capacity_bytes) const {
  if (new_size <= old_size) return true;
  const uint64_t grow = new_size - old_size;
  return used_bytes_ + grow <= capacity_bytes && used_bytes_ + grow >= used_bytes_;
}

bool InodeStore::Write(Inode& inode, uint64_t offset, std::string_view bytes,
                       uint64_t capacity_bytes) {
  const uint64_t old_size = inode.data.size();
  const uint64_t new_size = std::max<uint64_t>(old_size, offset + bytes.size());
  if (inode.linked) {
    if (!Fits(old_size, new_size, capacity_bytes)) return false;
    used_bytes_ += new_size - old_size;
  }
  inode.Write(offset, bytes);
  return true;
}

bool InodeStore::Resize(Inode& inode, uint64_t size_bytes, uint64_t capacity_bytes) {
  const uint64_t old_size = inode.data.size();
  if (inode.linked) {
    if (!Fits(old_size, size_bytes, capacity_bytes)) return false;
    used_bytes_ = used_bytes_ - old_size + size_bytes;
  }
  inode.Resize(size_bytes);
  return true;
}

void InodeStore::Empty(Inode& inode) {
  used_bytes_ -= inode.data.size();
  inode.Resize(0);
}

void InodeStore::Unlink(Inode& inode) {
  inode.linked = false;
  used_bytes_ -= inode.data.size();
}

}  // namespace mqsim::sim
