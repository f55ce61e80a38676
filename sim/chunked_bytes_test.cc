#include "sim/chunked_bytes.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace mqsim::sim {
namespace {

constexpr size_t K = ChunkedBytes::kChunkBytes;

// Deterministic bytes: position-dependent, with a tag so different writes differ.
std::string Pattern(size_t n, char tag) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(tag + i * 7 + i / 251);
  return s;
}

// A small deterministic generator (splitmix64) for the differential test.
struct Gen {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
};

}  // namespace

TEST_CASE("ChunkedBytes: appends across chunk boundaries") {
  ChunkedBytes b;
  std::string model;
  for (size_t n : {size_t{10}, K - 10, size_t{1}, K + 5, 3 * K, size_t{0}, size_t{7}}) {
    const std::string piece = Pattern(n, static_cast<char>('a' + model.size() % 26));
    b.Append(piece);
    model += piece;
    REQUIRE(b.size() == model.size());
  }
  CHECK(b == model);
  CHECK(b.ToString() == model);
  CHECK(b.chunk_count() == (model.size() + K - 1) / K);
  // Reads straddling boundaries, and past the end.
  std::string out(K + 100, '?');
  CHECK(b.Read(K - 50, K + 100, out.data()) == K + 100);
  CHECK(out == model.substr(K - 50, K + 100));
  CHECK(b.Read(model.size() - 3, 10, out.data()) == 3);
  CHECK(out.substr(0, 3) == model.substr(model.size() - 3));
  CHECK(b.Read(model.size(), 10, out.data()) == 0);
  CHECK(b.Substr(2 * K - 1, 2) == model.substr(2 * K - 1, 2));
}

TEST_CASE("ChunkedBytes: overwrite in the middle, across a boundary") {
  ChunkedBytes b(Pattern(3 * K, 'x'));
  std::string model = Pattern(3 * K, 'x');
  const std::string patch = Pattern(1000, 'P');
  b.WriteAt(K - 400, patch);
  model.replace(K - 400, patch.size(), patch);
  CHECK(b.size() == 3 * K);
  CHECK(b == model);
  // A write overlapping the end grows the content.
  b.WriteAt(3 * K - 10, patch);
  model.replace(3 * K - 10, std::string::npos, patch);
  CHECK(b == model);
}

TEST_CASE("ChunkedBytes: truncate and grow read back zeros, never old bytes") {
  ChunkedBytes b(Pattern(2 * K + 300, 'q'));
  b.Resize(K + 17);
  CHECK(b.size() == K + 17);
  CHECK(b.chunk_count() == 2);
  CHECK(b == Pattern(2 * K + 300, 'q').substr(0, K + 17));
  b.Resize(3 * K);
  std::string model = Pattern(2 * K + 300, 'q').substr(0, K + 17);
  model.resize(3 * K, '\0');
  CHECK(b == model);
  // A write past the end leaves a zero gap.
  b.Resize(10);
  b.WriteAt(K + 5, "tail");
  model = Pattern(2 * K + 300, 'q').substr(0, 10);
  model.resize(K + 5, '\0');
  model += "tail";
  CHECK(b == model);
  b.Clear();
  CHECK(b.empty());
  CHECK(b.chunk_count() == 0);
  b.Fill(3, 4, 'z');
  CHECK(b == std::string("\0\0\0zzzz", 7));
}

TEST_CASE("ChunkedBytes: a shared chunk overwritten in one copy leaves the other unchanged") {
  const std::string original = Pattern(2 * K + 100, 'o');
  ChunkedBytes page_cache(original);
  ChunkedBytes platter = page_cache;  // a sync: chunks shared, no bytes copied
  for (size_t i = 0; i < 3; ++i) CHECK(platter.SharesChunk(page_cache, i));
  const std::string patch = Pattern(300, 'W');
  page_cache.WriteAt(K - 100, patch);  // touches chunks 0 and 1
  CHECK(platter == original);
  CHECK_FALSE(platter.SharesChunk(page_cache, 0));
  CHECK_FALSE(platter.SharesChunk(page_cache, 1));
  CHECK(platter.SharesChunk(page_cache, 2));
  std::string model = original;
  model.replace(K - 100, patch.size(), patch);
  CHECK(page_cache == model);
  // And the other way round: writing the platter copy does not show in the page cache.
  platter.WriteAt(2 * K + 50, "platter");
  CHECK(page_cache == model);
}

TEST_CASE("ChunkedBytes: an append after sharing does not copy the shared partial chunk") {
  ChunkedBytes page_cache(Pattern(K + 100, 'a'));
  ChunkedBytes platter = page_cache;
  page_cache.Append(Pattern(200, 'b'));  // beyond every holder's bytes: in place
  CHECK(platter.SharesChunk(page_cache, 1));
  CHECK(platter == Pattern(K + 100, 'a'));
  CHECK(page_cache.size() == K + 300);
  // The platter catches up by sharing, no copy (a sync of an only-appended file).
  platter.ExtendToShare(page_cache);
  CHECK(platter == page_cache);
  CHECK(platter.SharesChunk(page_cache, 1));
  // Shrinking the page cache below the shared bytes and regrowing must copy first.
  const std::string synced = platter.ToString();
  page_cache.Resize(K + 50);
  page_cache.Append(Pattern(500, 'c'));
  CHECK(platter == synced);
  CHECK_FALSE(platter.SharesChunk(page_cache, 1));
  CHECK(page_cache == synced.substr(0, K + 50) + Pattern(500, 'c'));
  // A holder appending at its own (shorter) end into a chunk another holder filled
  // further must copy too, or it would overwrite the other's bytes.
  ChunkedBytes shorter = platter;
  shorter.Resize(K + 10);
  shorter.Append("XYZ");
  CHECK(platter == synced);
  CHECK(shorter == synced.substr(0, K + 10) + "XYZ");
}

TEST_CASE("ChunkedBytes: comparisons") {
  ChunkedBytes a(Pattern(2 * K + 9, 'c'));
  ChunkedBytes b = a;
  CHECK(a == b);
  CHECK(a.CommonPrefix(b) == a.size());
  b.WriteAt(K + 3, "!");
  CHECK_FALSE(a == b);
  CHECK(a.CommonPrefix(b) == K + 3);
  CHECK(a.RangeEquals(b, 0, K + 3));
  CHECK_FALSE(a.RangeEquals(b, K, 10));
  CHECK(a.RangeEquals(b, K + 4, K + 5));
  CHECK_FALSE(a.RangeEquals(b, K + 4, K + 6));  // past the end
  ChunkedBytes prefix(Pattern(2 * K + 9, 'c').substr(0, K + 3));
  CHECK(a.StartsWith(prefix));
  CHECK(b.StartsWith(prefix));
  prefix.Append("?");
  CHECK_FALSE(a.StartsWith(prefix));
  CHECK_FALSE(prefix.StartsWith(a));
  ChunkedBytes tail;
  tail.AppendFrom(a, K - 5, 20);
  CHECK(tail == Pattern(2 * K + 9, 'c').substr(K - 5, 20));
  tail.AppendFrom(a, a.size() - 2, 100);  // clipped to the source's end
  CHECK(tail.size() == 22);
}

TEST_CASE("ChunkedBytes: random operations on sharing copies match std::string") {
  Gen gen{42};
  std::vector<ChunkedBytes> bytes(3);
  std::vector<std::string> model(3);
  const uint64_t max_size = 4 * K;
  for (int step = 0; step < 4000; ++step) {
    const size_t i = gen.Below(3);
    const uint64_t size = model[i].size();
    switch (gen.Below(6)) {
      case 0: {  // append
        const std::string s = Pattern(gen.Below(K / 2), static_cast<char>(step));
        if (size + s.size() > max_size) break;
        bytes[i].Append(s);
        model[i] += s;
        break;
      }
      case 1: {  // write at, possibly past the end
        const uint64_t off = gen.Below(size + 100);
        const std::string s = Pattern(gen.Below(K + 10), static_cast<char>(step));
        if (off + s.size() > max_size) break;
        bytes[i].WriteAt(off, s);
        if (model[i].size() < off + s.size()) model[i].resize(off + s.size(), '\0');
        model[i].replace(off, s.size(), s);
        break;
      }
      case 2: {  // resize
        const uint64_t n = gen.Below(max_size);
        bytes[i].Resize(n);
        model[i].resize(n, '\0');
        break;
      }
      case 3: {  // copy from another (a sync or a restore)
        const size_t j = gen.Below(3);
        bytes[i] = bytes[j];
        model[i] = model[j];
        break;
      }
      case 4: {  // extend to share, when a prefix
        const size_t j = gen.Below(3);
        if (i == j || !bytes[j].StartsWith(bytes[i])) break;
        bytes[i].ExtendToShare(bytes[j]);
        model[i] = model[j];
        break;
      }
      case 5: {  // fill
        const uint64_t off = gen.Below(size + 10);
        const uint64_t n = gen.Below(2 * K);
        if (off + n > max_size) break;
        bytes[i].Fill(off, n, 'F');
        if (model[i].size() < off + n) model[i].resize(off + n, '\0');
        model[i].replace(off, n, std::string(n, 'F'));
        break;
      }
    }
    for (size_t k = 0; k < 3; ++k) {
      REQUIRE(bytes[k].size() == model[k].size());
      REQUIRE(bytes[k] == model[k]);
    }
    const size_t j = gen.Below(3);
    uint64_t expected = 0;
    const uint64_t m = std::min(model[i].size(), model[j].size());
    while (expected < m && model[i][expected] == model[j][expected]) ++expected;
    REQUIRE(bytes[i].CommonPrefix(bytes[j]) == expected);
  }
}

}  // namespace mqsim::sim
