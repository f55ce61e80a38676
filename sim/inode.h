// Inode and InodeStore: the simulated disk's file contents and the space they take.
// Internal to SimFileSystem (sim_file_system.h), which adds names (disk_namespace.h), the
// power-loss rules (power_loss.h), tracing, latency and injected faults.
//
// Every inode holds two contents: the page cache (`data`, what readers see) and the platter
// (`durable`, what survives a power loss). A sync makes the platter equal to the page
// cache, sharing its chunks (chunked_bytes.h) rather than copying bytes.
//
// Invariant: unless the inode was truncated or overwritten below its platter's end since its
// last sync (`rewritten_since_sync`), its platter is a prefix of its page cache — only
// appends happened since. That is what lets a power loss keep a prefix of the unsynced tail.
//
// The InodeStore hands out inode ids and accounts for space: the page-cache bytes of every
// linked inode (one with a name in the live namespace) count against the disk's capacity;
// an unlinked inode (deleted, or replaced by a rename, but still open) counts nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "sim/chunked_bytes.h"

namespace mqsim::sim {

struct Inode {
  uint64_t id = 0;
  ChunkedBytes data;     // page cache
  ChunkedBytes durable;  // platter (shares the page cache's chunks after a sync)
  // A truncate or overwrite happened since the last sync: the platter content is not a
  // prefix of the page cache, so a power loss keeps exactly the platter content.
  bool rewritten_since_sync = false;
  bool linked = true;  // has a name in the live namespace (counts against capacity)

  // Writes bytes at offset: an append at the end, else an overwrite (a gap past the end
  // reads as zeros). Overwriting platter bytes breaks the prefix rule until the next sync.
  void Write(uint64_t offset, std::string_view bytes);
  // Shrinks or grows (with zeros) the page cache; cutting into the platter content breaks
  // the prefix rule until the next sync.
  void Resize(uint64_t size_bytes);
  // fsync: the platter becomes the page cache.
  void Sync();
};

using InodePtr = std::shared_ptr<Inode>;

class InodeStore {
 public:
  // A new empty, linked inode. Ids count up from 1 over the disk's life and are never reused.
  InodePtr New();
  // A new linked inode whose page cache and platter both hold content (what a power loss or
  // a restore leaves). Its bytes count.
  InodePtr New(ChunkedBytes content);
  // The page-cache bytes of the linked inodes.
  uint64_t used_bytes() const { return used_bytes_; }
  // Inode::Write, if the growth of a linked inode fits within capacity_bytes; false (nothing
  // written) if it does not.
  bool Write(Inode& inode, uint64_t offset, std::string_view bytes, uint64_t capacity_bytes);
  // Inode::Resize, with the same rule.
  bool Resize(Inode& inode, uint64_t size_bytes, uint64_t capacity_bytes);
  // O_TRUNC on an existing file: the inode keeps its identity and loses its bytes.
  // REQUIRES: inode is linked.
  void Empty(Inode& inode);
  // The inode lost its live name (deleted, or replaced by a rename): its bytes stop counting.
  void Unlink(Inode& inode);
  // Forgets every inode's bytes: the whole disk is being replaced (power loss, restore), and
  // the inodes that replace it come from New(content).
  void ReleaseAll() { used_bytes_ = 0; }

 private:
  // Whether a linked inode may grow from old_size to new_size (no overflow either).
  bool Fits(uint64_t old_size, uint64_t new_size, uint64_t capacity_bytes) const;

  uint64_t next_id_ = 1;
  uint64_t used_bytes_ = 0;
};

}  // namespace mqsim::sim
