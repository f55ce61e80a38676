// ChunkedBytes: a growable byte string stored as fixed-size chunks that copies share.
//
// SimFileSystem keeps two contents per file (page cache and platter). As std::strings,
// every doubling of a growing file copied it whole and faulted in fresh pages, and every
// fsync copied the new tail to the platter. Here an append never moves existing bytes (it
// fills the last chunk, then adds chunks), and copying a ChunkedBytes shares its chunks
// instead of their bytes: a sync makes the platter reference the page cache's chunks.
//
// Sharing rule (copy on write). Every chunk remembers `fill`, the highest in-chunk offset
// any holder has ever written to. Every holder's view of a chunk lies within [0, fill),
// because a holder only sees bytes it wrote or inherited. So a write into a shared chunk
// starting at or beyond `fill` touches bytes nobody else sees and goes in place (an append
// after a sync does not copy the chunk the platter shares); a write below `fill` into a
// shared chunk copies the chunk first. A chunk held once is written in place.
//
// Bytes a holder has never written are never read: growth (Resize, a write past the end)
// writes zeros explicitly, so chunk memory is never zeroed on allocation.
// Single-threaded like the rest of the simulation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mqsim::sim {

class ChunkedBytes {
 public:
  static constexpr size_t kChunkBytes = 64 * 1024;  // below glibc's mmap threshold

  ChunkedBytes() = default;
  explicit ChunkedBytes(std::string_view bytes) { Append(bytes); }
  // Copies share chunks (O(chunk count), no bytes copied); writes copy a shared chunk
  // only when they would change bytes another holder sees.
  ChunkedBytes(const ChunkedBytes&) = default;
  ChunkedBytes& operator=(const ChunkedBytes&) = default;
  ChunkedBytes(ChunkedBytes&&) noexcept = default;
  ChunkedBytes& operator=(ChunkedBytes&&) noexcept = default;

  uint64_t size() const { return size_bytes_; }
  bool empty() const { return size_bytes_ == 0; }

  void Append(std::string_view bytes) { Store(size_bytes_, bytes.size(), bytes.data(), '\0'); }
  // Writes bytes at offset; a gap between the current end and offset reads as zeros.
  void WriteAt(uint64_t offset, std::string_view bytes);
  // Sets [offset, offset + n) to c, growing the content if it ends beyond the end.
  void Fill(uint64_t offset, uint64_t n, char c);
  // Shrinks (dropping whole chunks past the end) or grows with zeros.
  void Resize(uint64_t size_bytes);
  void Clear() { Resize(0); }

  // Copies up to n bytes from offset into out; returns how many (0 at or past the end).
  size_t Read(uint64_t offset, size_t n, char* out) const;
  std::string Substr(uint64_t offset, uint64_t n) const;
  std::string ToString() const { return Substr(0, size_bytes_); }
  // Appends a copy of other's bytes [offset, offset + n) (clipped to other's size).
  void AppendFrom(const ChunkedBytes& other, uint64_t offset, uint64_t n);

  // Length of the longest common prefix. Chunks both hold are skipped without comparing.
  uint64_t CommonPrefix(const ChunkedBytes& other) const;
  bool StartsWith(const ChunkedBytes& prefix) const {
    return prefix.size() <= size() && CommonPrefix(prefix) == prefix.size();
  }
  // Whether [offset, offset + n) is equal in both (false if either is shorter).
  bool RangeEquals(const ChunkedBytes& other, uint64_t offset, uint64_t n) const;
  bool operator==(const ChunkedBytes& other) const {
    return size() == other.size() && CommonPrefix(other) == size();
  }
  bool operator==(std::string_view s) const;

  // Makes this equal to `longer`, given this is a prefix of it (asserted at the boundary):
  // shares longer's chunks from the one holding this content's end onward. O(new chunks),
  // no bytes copied: how an fsync of an only-appended file extends the platter.
  void ExtendToShare(const ChunkedBytes& longer);

  // For tests: whether chunk i (of both) is the same memory.
  bool SharesChunk(const ChunkedBytes& other, size_t i) const;
  size_t chunk_count() const { return chunks_.size(); }

 private:
  struct Chunk {
    Chunk() {}  // leaves bytes uninitialised: only ever read below what a holder wrote
    uint32_t fill = 0;
    char bytes[kChunkBytes];
  };
  // Writes n bytes from src (or n copies of c if src is null) at offset <= size().
  void Store(uint64_t offset, uint64_t n, const char* src, char c);
  // Chunk i, ready to be written from in-chunk offset `from` (copied if that would change
  // bytes another holder sees).
  Chunk& Writable(size_t i, size_t from);
  // Bytes of chunk i inside this content.
  size_t ViewBytes(size_t i) const;

  std::vector<std::shared_ptr<Chunk>> chunks_;  // ceil(size_bytes_ / kChunkBytes) entries
  uint64_t size_bytes_ = 0;
};

}  // namespace mqsim::sim
