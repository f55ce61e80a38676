#include "sim/chunked_bytes.h"

#include <algorithm>
#include <cstring>

#include "base/assert.h"

namespace mqsim::sim {

size_t ChunkedBytes::ViewBytes(size_t i) const {
  return static_cast<size_t>(std::min<uint64_t>(kChunkBytes, size_bytes_ - i * kChunkBytes));
}

ChunkedBytes::Chunk& ChunkedBytes::Writable(size_t i, size_t from) {
  std::shared_ptr<Chunk>& chunk = chunks_[i];
  if (chunk.use_count() > 1 && from < chunk->fill) {
    // Another holder may see bytes at `from`: write into a private copy of our view.
    auto copy = std::make_shared<Chunk>();
    const size_t view = ViewBytes(i);
    std::memcpy(copy->bytes, chunk->bytes, view);
    copy->fill = static_cast<uint32_t>(view);
    chunk = std::move(copy);
  }
  return *chunk;
}

void ChunkedBytes::Store(uint64_t offset, uint64_t n, const char* src, char c) {
  MQSIM_ASSERT(offset <= size_bytes_);
  while (n > 0) {
    const size_t i = static_cast<size_t>(offset / kChunkBytes);
    const size_t within = static_cast<size_t>(offset % kChunkBytes);
    const size_t len = static_cast<size_t>(std::min<uint64_t>(kChunkBytes - within, n));
    if (i == chunks_.size()) {
      MQSIM_ASSERT(within == 0);  // offset == size_bytes_ on a chunk boundary
      chunks_.push_back(std::make_shared<Chunk>());
    }
    Chunk& chunk = Writable(i, within);
    if (src != nullptr) {
      std::memcpy(chunk.bytes + within, src, len);
      src += len;
    } else {
      std::memset(chunk.bytes + within, c, len);
    }
    chunk.fill = std::max<uint32_t>(chunk.fill, static_cast<uint32_t>(within + len));
    offset += len;
    n -= len;
    size_bytes_ = std::max(size_bytes_, offset);
  }
}

void ChunkedBytes::WriteAt(uint64_t offset, std::string_view bytes) {
  if (offset > size_bytes_) Store(size_bytes_, offset - size_bytes_, nullptr, '\0');
  Store(offset, bytes.size(), bytes.data(), '\0');
}

void ChunkedBytes::Fill(uint64_t offset, uint64_t n, char c) {
  if (offset > size_bytes_) Store(size_bytes_, offset - size_bytes_, nullptr, '\0');
  Store(offset, n, nullptr, c);
}

void ChunkedBytes::Resize(uint64_t size_bytes) {
  if (size_bytes >= size_bytes_) {
    Store(size_bytes_, size_bytes - size_bytes_, nullptr, '\0');
    return;
  }
  chunks_.resize(static_cast<size_t>((size_bytes + kChunkBytes - 1) / kChunkBytes));
  size_bytes_ = size_bytes;
}

size_t ChunkedBytes::Read(uint64_t offset, size_t n, char* out) const {
  if (offset >= size_bytes_) return 0;
  const size_t k = static_cast<size_t>(std::min<uint64_t>(n, size_bytes_ - offset));
  size_t done = 0;
  while (done < k) {
    const size_t i = static_cast<size_t>(offset / kChunkBytes);
    const size_t within = static_cast<size_t>(offset % kChunkBytes);
    const size_t len = std::min(kChunkBytes - within, k - done);
    std::memcpy(out + done, chunks_[i]->bytes + within, len);
    done += len;
    offset += len;
  }
  return k;
}

std::string ChunkedBytes::Substr(uint64_t offset, uint64_t n) const {
  std::string out;
  if (offset >= size_bytes_) return out;
  out.resize(static_cast<size_t>(std::min<uint64_t>(n, size_bytes_ - offset)));
  Read(offset, out.size(), out.data());
  return out;
}

void ChunkedBytes::AppendFrom(const ChunkedBytes& other, uint64_t offset, uint64_t n) {
  MQSIM_ASSERT(&other != this);
  if (offset >= other.size_bytes_) return;
  const uint64_t end = offset + std::min(n, other.size_bytes_ - offset);
  while (offset < end) {
    const size_t i = static_cast<size_t>(offset / kChunkBytes);
    const size_t within = static_cast<size_t>(offset % kChunkBytes);
    const size_t len = static_cast<size_t>(std::min<uint64_t>(kChunkBytes - within, end - offset));
    Append(std::string_view(other.chunks_[i]->bytes + within, len));
    offset += len;
  }
}

uint64_t ChunkedBytes::CommonPrefix(const ChunkedBytes& other) const {
  const uint64_t m = std::min(size_bytes_, other.size_bytes_);
  for (uint64_t pos = 0; pos < m; pos += kChunkBytes) {
    const size_t i = static_cast<size_t>(pos / kChunkBytes);
    if (chunks_[i] == other.chunks_[i]) continue;  // same memory: equal wherever both see it
    const size_t len = static_cast<size_t>(std::min<uint64_t>(kChunkBytes, m - pos));
    const char* a = chunks_[i]->bytes;
    const char* b = other.chunks_[i]->bytes;
    if (std::memcmp(a, b, len) == 0) continue;
    size_t j = 0;
    while (a[j] == b[j]) ++j;
    return pos + j;
  }
  return m;
}

bool ChunkedBytes::RangeEquals(const ChunkedBytes& other, uint64_t offset, uint64_t n) const {
  if (offset + n > size_bytes_ || offset + n > other.size_bytes_) return false;
  const uint64_t end = offset + n;
  while (offset < end) {
    const size_t i = static_cast<size_t>(offset / kChunkBytes);
    const size_t within = static_cast<size_t>(offset % kChunkBytes);
    const size_t len = static_cast<size_t>(std::min<uint64_t>(kChunkBytes - within, end - offset));
    if (chunks_[i] != other.chunks_[i] &&
        std::memcmp(chunks_[i]->bytes + within, other.chunks_[i]->bytes + within, len) != 0) {
      return false;
    }
    offset += len;
  }
  return true;
}

bool ChunkedBytes::operator==(std::string_view s) const {
  if (s.size() != size_bytes_) return false;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    const size_t len = ViewBytes(i);
    if (std::memcmp(chunks_[i]->bytes, s.data() + i * kChunkBytes, len) != 0) return false;
  }
  return true;
}

void ChunkedBytes::ExtendToShare(const ChunkedBytes& longer) {
  MQSIM_ASSERT(size_bytes_ <= longer.size_bytes_);
  // O(1) spot check of the precondition: the last (up to) 64 bytes of this content.
  const uint64_t check = std::min<uint64_t>(size_bytes_, 64);
  MQSIM_ASSERT_MSG(RangeEquals(longer, size_bytes_ - check, check),
                   "ExtendToShare: this content is not a prefix of the longer one");
  const size_t first = static_cast<size_t>(size_bytes_ / kChunkBytes);
  chunks_.resize(longer.chunks_.size());
  for (size_t i = first; i < chunks_.size(); ++i) chunks_[i] = longer.chunks_[i];
  size_bytes_ = longer.size_bytes_;
}

bool ChunkedBytes::SharesChunk(const ChunkedBytes& other, size_t i) const {
  return i < chunks_.size() && i < other.chunks_.size() && chunks_[i] == other.chunks_[i];
}

}  // namespace mqsim::sim
