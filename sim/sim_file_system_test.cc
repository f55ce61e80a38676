#include "sim/sim_file_system.h"

#include <catch2/catch.hpp>
#include <map>

#include "sim/chunked_bytes.h"
#include "sim/simulation.h"

namespace mqsim::sim {

using rocksdb::FileOptions;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

namespace {

// A SimFileSystem on its own simulation, with small helpers for file operations.
struct Disk {
  explicit Disk(DiskOptions options = {}, uint64_t seed = 1)
      : sim(seed), fs(&sim.clock(), sim.Stream("disk"), &sim.trace(), options) {
    fs.MakeDirs("/data");
  }
  std::unique_ptr<rocksdb::FSWritableFile> Create(const std::string& path) {
    std::unique_ptr<rocksdb::FSWritableFile> f;
    REQUIRE(fs.NewWritableFile(path, FileOptions(), &f, nullptr).ok());
    return f;
  }
  IOStatus Append(rocksdb::FSWritableFile& f, const std::string& data) {
    return f.Append(Slice(data), IOOptions(), nullptr);
  }
  IOStatus Sync(rocksdb::FSWritableFile& f) { return f.Sync(IOOptions(), nullptr); }
  IOStatus SyncDir(const std::string& dir) {
    std::unique_ptr<rocksdb::FSDirectory> d;
    IOStatus s = fs.NewDirectory(dir, IOOptions(), &d, nullptr);
    return s.ok() ? d->Fsync(IOOptions(), nullptr) : s;
  }
  IOStatus Rename(const std::string& a, const std::string& b) {
    return fs.RenameFile(a, b, IOOptions(), nullptr);
  }
  Simulation sim;
  SimFileSystem fs;
};

DiskOptions Ext4() {
  DiskOptions o;
  o.profile = PersistenceProfile::kExt4Ordered;
  return o;
}

}  // namespace

TEST_CASE("FilesIn lists a directory's files and sizes without an operation") {
  Disk d;
  auto a = d.Create("/data/a");
  REQUIRE(d.Append(*a, "hello").ok());
  d.fs.MakeDirs("/data/sub");
  auto b = d.Create("/data/sub/b");
  const uint64_t ops = d.fs.total_ops();
  const std::vector<std::pair<std::string, uint64_t>> files = d.fs.FilesIn("/data");
  CHECK(files == std::vector<std::pair<std::string, uint64_t>>{{"a", 5}});
  CHECK(d.fs.FilesIn("/data/sub") == std::vector<std::pair<std::string, uint64_t>>{{"b", 0}});
  CHECK(d.fs.FilesIn("/nowhere").empty());
  CHECK(d.fs.total_ops() == ops);
}

TEST_CASE("Strict POSIX: an unsynced new file disappears at power loss") {
  Disk d;
  auto f = d.Create("/data/a");
  REQUIRE(d.Append(*f, "hello").ok());
  REQUIRE(d.Sync(*f).ok());  // data durable, but the directory entry is not
  d.fs.PowerLoss(PowerLossMode::kDropUnsynced);
  CHECK_FALSE(d.fs.Exists("/data/a"));
}

TEST_CASE("Strict POSIX: file sync plus directory sync survives; the unsynced tail does not") {
  Disk d;
  auto f = d.Create("/data/a");
  REQUIRE(d.Append(*f, "synced|").ok());
  REQUIRE(d.Sync(*f).ok());
  REQUIRE(d.SyncDir("/data").ok());
  REQUIRE(d.Append(*f, "unsynced").ok());
  CHECK(d.fs.ReadAll("/data/a") == "synced|unsynced");
  d.fs.PowerLoss(PowerLossMode::kDropUnsynced);
  CHECK(d.fs.ReadAll("/data/a") == "synced|");
}

TEST_CASE("Strict POSIX: a rename is durable only after the directory is synced") {
  for (bool sync_dir : {false, true}) {
    Disk d;
    auto f = d.Create("/data/tmp");
    REQUIRE(d.Append(*f, "v1").ok());
    REQUIRE(d.Sync(*f).ok());
    REQUIRE(d.SyncDir("/data").ok());
    REQUIRE(d.Rename("/data/tmp", "/data/CURRENT").ok());
    if (sync_dir) REQUIRE(d.SyncDir("/data").ok());
    d.fs.PowerLoss(PowerLossMode::kDropUnsynced);
    CHECK(d.fs.Exists("/data/CURRENT") == sync_dir);
    CHECK(d.fs.Exists("/data/tmp") == !sync_dir);
  }
}

TEST_CASE("ext4-ordered: entries are durable at once, data only when synced or renamed") {
  Disk d(Ext4());
  auto f = d.Create("/data/log");
  REQUIRE(d.Append(*f, "never synced").ok());
  auto g = d.Create("/data/tmp");
  REQUIRE(d.Append(*g, "replace-via-rename").ok());
  REQUIRE(d.Rename("/data/tmp", "/data/conf").ok());
  d.fs.PowerLoss(PowerLossMode::kDropUnsynced);
  CHECK(d.fs.Exists("/data/log"));
  CHECK(d.fs.ReadAll("/data/log").empty());  // the classic zero-length file
  CHECK(d.fs.ReadAll("/data/conf") == "replace-via-rename");
}

TEST_CASE("Process crash keeps the page cache and kills open handles") {
  Disk d;
  auto f = d.Create("/data/a");
  REQUIRE(d.Append(*f, "written, never synced").ok());
  d.fs.CrashProcess();
  CHECK(d.fs.ReadAll("/data/a") == "written, never synced");
  const IOStatus s = d.Append(*f, "more");
  CHECK(s.IsIOError());
  CHECK(s.ToString().find("stale file handle") != std::string::npos);
}

TEST_CASE("Power loss keeps a seed-chosen prefix of unsynced tails, or tears a block") {
  std::set<size_t> kept_lengths;
  bool saw_torn_zero = false;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    for (PowerLossMode mode : {PowerLossMode::kRandomPrefix, PowerLossMode::kTornTail}) {
      Disk d(DiskOptions{}, seed);
      auto f = d.Create("/data/wal");
      REQUIRE(d.Append(*f, std::string(1000, 's')).ok());
      REQUIRE(d.Sync(*f).ok());
      REQUIRE(d.SyncDir("/data").ok());
      REQUIRE(d.Append(*f, std::string(5000, 'u')).ok());
      d.fs.PowerLoss(mode);
      const std::string after = d.fs.ReadAll("/data/wal");
      REQUIRE(after.size() >= 1000);
      REQUIRE(after.size() <= 6000);
      REQUIRE(after.substr(0, 1000) == std::string(1000, 's'));  // synced data never torn
      if (mode == PowerLossMode::kRandomPrefix) {
        CHECK(after.find('\0') == std::string::npos);
        kept_lengths.insert(after.size());
      } else if (after.find('\0') != std::string::npos) {
        saw_torn_zero = true;
      }
    }
  }
  CHECK(kept_lengths.size() > 20);
  CHECK(saw_torn_zero);
}

TEST_CASE("Power loss is a pure function of the seed") {
  auto run = [](uint64_t seed) {
    Disk d(DiskOptions{}, seed);
    auto f = d.Create("/data/wal");
    REQUIRE(d.Append(*f, std::string(100, 'a')).ok());
    REQUIRE(d.Sync(*f).ok());
    REQUIRE(d.SyncDir("/data").ok());
    REQUIRE(d.Append(*f, std::string(10000, 'b')).ok());
    d.fs.PowerLoss(PowerLossMode::kTornTail);
    return std::make_pair(d.fs.ReadAll("/data/wal"), d.sim.trace().hash());
  };
  CHECK(run(7) == run(7));
  CHECK(run(7).second != run(8).second);
}

TEST_CASE("Enumerating power-loss images gives distinct images including both extremes") {
  Disk d;
  auto a = d.Create("/data/a");
  REQUIRE(d.Append(*a, std::string(2048, 'a')).ok());
  REQUIRE(d.Sync(*a).ok());
  REQUIRE(d.SyncDir("/data").ok());
  REQUIRE(d.Append(*a, std::string(4096, 'A')).ok());  // unsynced tail: 3 candidates
  auto b = d.Create("/data/b");                        // undurable entry: 2 namespaces
  REQUIRE(d.Append(*b, "bbb").ok());                   // unsynced: 2 candidates
  const std::vector<DiskImage> images = d.fs.EnumeratePowerLossImages(100);
  std::set<uint64_t> fingerprints;
  for (const DiskImage& i : images) fingerprints.insert(i.Fingerprint());
  CHECK(fingerprints.size() == images.size());
  // a: 3 choices; namespace without b: 1, with b: 2 contents -> 3 * (1 + 2) = 9 images.
  CHECK(images.size() == 9);
  CHECK(images.front().files.at("/data/a").size() == 2048);
  CHECK(images.front().files.count("/data/b") == 0);
  CHECK(images[1].files.at("/data/a").size() == 2048 + 4096);
  CHECK(images[1].files.at("/data/b") == "bbb");
  CHECK(d.fs.EnumeratePowerLossImages(4).size() == 4);
  // Restoring an image replaces the disk; old handles die.
  d.fs.Restore(images[1]);
  CHECK(d.fs.ReadAll("/data/b") == "bbb");
  CHECK(d.Append(*a, "x").IsIOError());
}

TEST_CASE("Capacity: ENOSPC is NoSpace, nothing partial is written, space comes back") {
  DiskOptions o;
  o.capacity_bytes = 100;
  Disk d(o);
  auto f = d.Create("/data/a");
  REQUIRE(d.Append(*f, std::string(90, 'x')).ok());
  const IOStatus s = d.Append(*f, std::string(20, 'y'));
  CHECK(s.IsNoSpace());
  CHECK(d.fs.ReadAll("/data/a").size() == 90);
  CHECK(d.fs.nospace_errors() == 1);
  REQUIRE(d.fs.DeleteFile("/data/a", IOOptions(), nullptr).ok());
  CHECK(d.fs.used_bytes() == 0);
  auto g = d.Create("/data/b");
  CHECK(d.Append(*g, std::string(100, 'z')).ok());
  d.fs.set_capacity_bytes(1000);
  CHECK(d.Append(*g, std::string(100, 'z')).ok());
}

TEST_CASE("Powered off: every mutation is rejected, reads still work") {
  Disk d;
  auto f = d.Create("/data/a");
  REQUIRE(d.Append(*f, "abc").ok());
  d.fs.PowerOff();
  CHECK(d.Append(*f, "d").IsIOError());
  CHECK(d.Sync(*f).IsIOError());
  CHECK(d.fs.DeleteFile("/data/a", IOOptions(), nullptr).IsIOError());
  CHECK(d.Rename("/data/a", "/data/b").IsIOError());
  std::unique_ptr<rocksdb::FSWritableFile> g;
  CHECK(d.fs.NewWritableFile("/data/c", FileOptions(), &g, nullptr).IsIOError());
  CHECK(d.fs.ReadAll("/data/a") == "abc");
  std::unique_ptr<rocksdb::FSSequentialFile> r;
  REQUIRE(d.fs.NewSequentialFile("/data/a", FileOptions(), &r, nullptr).ok());
  char buf[8];
  Slice got;
  REQUIRE(r->Read(8, IOOptions(), &got, buf, nullptr).ok());
  CHECK(got.ToString() == "abc");
  d.fs.PowerOn();
  CHECK(d.Append(*f, "d").ok());
}

TEST_CASE("Latency is spent in virtual time, stalls included") {
  DiskOptions o;
  o.latency.sync =
      LatencyDistribution{Duration::Millis(1), Duration::Millis(5), 0.5, Duration::Seconds(2)};
  Disk d(o);
  auto f = d.Create("/data/a");
  int stalls = 0;
  for (int i = 0; i < 100; ++i) {
    const Time before = d.sim.now();
    REQUIRE(d.Sync(*f).ok());
    const Duration spent = d.sim.now() - before;
    REQUIRE(spent >= Duration::Millis(1));
    REQUIRE(spent <= Duration::Millis(5) + Duration::Seconds(2));
    if (spent >= Duration::Seconds(2)) ++stalls;
  }
  CHECK(stalls > 30);
  CHECK(stalls < 70);
}

TEST_CASE("Injected errors and corruption hit seed-chosen operations, reproducibly") {
  auto failures = [](uint64_t seed) {
    DiskOptions o;
    o.faults.write_error = 0.1;
    o.faults.read_corruption = 0.2;
    Disk d(o, seed);
    auto f = d.Create("/data/a");
    std::vector<int> failed;
    for (int i = 0; i < 50; ++i) {
      if (!d.Append(*f, "0123456789").ok()) failed.push_back(i);
    }
    std::unique_ptr<rocksdb::FSRandomAccessFile> r;
    REQUIRE(d.fs.NewRandomAccessFile("/data/a", FileOptions(), &r, nullptr).ok());
    const std::string content = d.fs.ReadAll("/data/a");
    for (int i = 0; i < 50; ++i) {
      char buf[10];
      Slice got;
      REQUIRE(r->Read(0, 10, IOOptions(), &got, buf, nullptr).ok());
      if (got.ToString() != content.substr(0, 10)) failed.push_back(1000 + i);
    }
    return failed;
  };
  const std::vector<int> a = failures(3);
  CHECK(a == failures(3));
  CHECK(a != failures(4));
  CHECK(std::count_if(a.begin(), a.end(), [](int x) { return x < 1000; }) > 0);
  CHECK(std::count_if(a.begin(), a.end(), [](int x) { return x >= 1000; }) > 0);
}

TEST_CASE("Every operation feeds the trace hash, contents included") {
  auto hash_after = [](const std::string& payload) {
    Disk d;
    auto f = d.Create("/data/a");
    REQUIRE(d.Append(*f, payload).ok());
    return d.sim.trace().hash();
  };
  CHECK(hash_after("abc") == hash_after("abc"));
  CHECK(hash_after("abc") != hash_after("abd"));
}

TEST_CASE("The durability frontier shows synced and unsynced bytes per file") {
  Disk d;
  auto f = d.Create("/data/a");
  REQUIRE(d.Append(*f, "12345").ok());
  REQUIRE(d.Sync(*f).ok());
  REQUIRE(d.Append(*f, "678").ok());
  const std::vector<FileDurability> fr = d.fs.DurabilityFrontier();
  REQUIRE(fr.size() == 1);
  CHECK(fr[0].size_bytes == 8);
  CHECK(fr[0].synced_bytes == 5);
  CHECK_FALSE(fr[0].entry_durable);
  REQUIRE(d.SyncDir("/data").ok());
  CHECK(d.fs.DurabilityFrontier()[0].entry_durable);
}

TEST_CASE("Multi-chunk files: overwrite and truncate after a sync leave the platter intact") {
  // Files larger than a ChunkedBytes chunk, so the platter shares the page cache's chunks.
  const size_t k = ChunkedBytes::kChunkBytes;
  std::string synced(2 * k + 300, '\0');
  for (size_t i = 0; i < synced.size(); ++i) synced[i] = static_cast<char>('a' + i % 23);
  for (int variant = 0; variant < 3; ++variant) {
    Disk d;
    auto f = d.Create("/data/a");
    REQUIRE(d.Append(*f, synced.substr(0, k + 10)).ok());
    REQUIRE(d.Sync(*f).ok());
    REQUIRE(d.Append(*f, synced.substr(k + 10)).ok());  // into the chunk the platter shares
    REQUIRE(d.Sync(*f).ok());
    REQUIRE(d.SyncDir("/data").ok());
    std::string live = synced;
    if (variant == 0) {  // overwrite in the middle, across a chunk boundary
      REQUIRE(f->PositionedAppend(Slice(std::string(100, 'X')), k - 50, IOOptions(), nullptr).ok());
      live.replace(k - 50, 100, std::string(100, 'X'));
    } else if (variant == 1) {  // truncate into the shared chunk, then regrow
      REQUIRE(f->Truncate(k + 5, IOOptions(), nullptr).ok());
      REQUIRE(d.Append(*f, std::string(1000, 'Y')).ok());
      live = synced.substr(0, k + 5) + std::string(1000, 'Y');
    } else {  // recreate (O_TRUNC) and write something shorter
      f = d.Create("/data/a");
      REQUIRE(d.Append(*f, "new").ok());
      live = "new";
    }
    CHECK(d.fs.ReadAll("/data/a") == live);
    CHECK(d.fs.DurableImage().files.at("/data/a") == synced);
    for (PowerLossMode mode :
         {PowerLossMode::kDropUnsynced, PowerLossMode::kRandomPrefix, PowerLossMode::kTornTail}) {
      Disk e;  // same history, each mode on its own disk
      auto g = e.Create("/data/a");
      REQUIRE(e.Append(*g, synced).ok());
      REQUIRE(e.Sync(*g).ok());
      REQUIRE(e.SyncDir("/data").ok());
      REQUIRE(g->PositionedAppend(Slice(std::string(100, 'X')), k - 50, IOOptions(), nullptr).ok());
      e.fs.PowerLoss(mode);  // rewritten since the sync: exactly the platter survives
      CHECK(e.fs.ReadAll("/data/a") == synced);
    }
    d.fs.PowerLoss(PowerLossMode::kDropUnsynced);
    CHECK(d.fs.ReadAll("/data/a") == synced);
  }
}

TEST_CASE("Multi-chunk files: an unsynced tail beyond shared chunks is torn, never the prefix") {
  const size_t k = ChunkedBytes::kChunkBytes;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    Disk d(DiskOptions{}, seed);
    auto f = d.Create("/data/wal");
    REQUIRE(d.Append(*f, std::string(k + 700, 's')).ok());
    REQUIRE(d.Sync(*f).ok());
    REQUIRE(d.SyncDir("/data").ok());
    REQUIRE(d.Append(*f, std::string(2 * k, 'u')).ok());
    const FileDurability fr = d.fs.DurabilityFrontier().at(0);
    CHECK(fr.synced_bytes == k + 700);
    CHECK(fr.size_bytes == 3 * k + 700);
    d.fs.PowerLoss(seed % 2 ? PowerLossMode::kTornTail : PowerLossMode::kRandomPrefix);
    const std::string after = d.fs.ReadAll("/data/wal");
    REQUIRE(after.size() >= k + 700);
    CHECK(after.substr(0, k + 700) == std::string(k + 700, 's'));
    // After the power loss the page cache and platter share; appending must not change
    // what the platter holds.
    std::unique_ptr<rocksdb::FSWritableFile> w;
    REQUIRE(d.fs.ReopenWritableFile("/data/wal", FileOptions(), &w, nullptr).ok());
    REQUIRE(d.Append(*w, "more").ok());
    CHECK(d.fs.DurableImage().files.at("/data/wal") == after);
    CHECK(d.fs.ReadAll("/data/wal") == after + "more");
  }
}

TEST_CASE("Directory listing, locks and errors behave like a POSIX file system") {
  Disk d;
  auto a = d.Create("/data/a");
  auto b = d.Create("/data/b");
  REQUIRE(d.fs.CreateDir("/data/sub", IOOptions(), nullptr).ok());
  std::vector<std::string> children;
  REQUIRE(d.fs.GetChildren("/data", IOOptions(), &children, nullptr).ok());
  CHECK(children == std::vector<std::string>{"a", "b", "sub"});
  CHECK(d.fs.GetChildren("/nope", IOOptions(), &children, nullptr).IsPathNotFound());
  std::unique_ptr<rocksdb::FSWritableFile> f;
  CHECK(d.fs.NewWritableFile("/nope/x", FileOptions(), &f, nullptr).IsPathNotFound());
  rocksdb::FileLock* lock = nullptr;
  REQUIRE(d.fs.LockFile("/data/LOCK", IOOptions(), &lock, nullptr).ok());
  rocksdb::FileLock* again = nullptr;
  CHECK(d.fs.LockFile("/data/LOCK", IOOptions(), &again, nullptr).IsIOError());
  d.fs.CrashProcess();  // the dead process's lock goes with it
  REQUIRE(d.fs.LockFile("/data/LOCK", IOOptions(), &again, nullptr).ok());
  REQUIRE(d.fs.UnlockFile(lock, IOOptions(), nullptr).ok());  // stale unlock is harmless
  REQUIRE(d.fs.UnlockFile(again, IOOptions(), nullptr).ok());
  CHECK(d.fs.DeleteDir("/data", IOOptions(), nullptr).IsIOError());  // not empty
}

}  // namespace mqsim::sim

namespace mqsim::sim {

// The disk's invariants (used bytes, platter a prefix of the page cache unless rewritten)
// hold after every operation of a seeded mix of creates, appends, overwrites, truncates,
// syncs, renames, deletes, crashes and power losses, in both profiles.
TEST_CASE("The disk's invariants hold after every operation of a random mix") {
  for (const bool ext4 : {false, true}) {
    for (uint64_t seed = 1; seed <= 8; ++seed) {
      Disk d(ext4 ? Ext4() : DiskOptions{}, seed);
      Random rng(seed * 7919);
      std::map<std::string, std::unique_ptr<rocksdb::FSWritableFile>> open;
      auto name = [&] { return "/data/f" + std::to_string(rng.Below(4)); };
      for (int op = 0; op < 400; ++op) {
        const std::string path = name();
        switch (rng.Below(9)) {
          case 0:
            open[path] = d.Create(path);
            break;
          case 1:
            if (open.count(path)) (void)d.Append(*open[path], std::string(rng.Below(9000), 'a'));
            break;
          case 2:
            if (open.count(path)) {
              (void)open[path]->PositionedAppend(Slice("zz"), rng.Below(64), IOOptions(), nullptr);
            }
            break;
          case 3:
            if (open.count(path)) (void)open[path]->Truncate(rng.Below(5000), IOOptions(), nullptr);
            break;
          case 4:
            if (open.count(path)) (void)d.Sync(*open[path]);
            break;
          case 5:
            (void)d.Rename(path, name());
            break;
          case 6:
            (void)d.fs.DeleteFile(path, IOOptions(), nullptr);
            break;
          case 7:
            (void)d.SyncDir("/data");
            break;
          default:
            open.clear();
            if (rng.Chance(0.5)) {
              d.fs.CrashProcess();
            } else {
              d.fs.PowerLoss(rng.Chance(0.5) ? PowerLossMode::kRandomPrefix
                                             : PowerLossMode::kTornTail);
            }
        }
        d.fs.CheckInvariants();
      }
    }
  }
}

// PowerLoss and EnumeratePowerLossImages share one power-loss model (power_loss.h): the
// first enumerated image ("nothing unsynced survived") is what a kDropUnsynced power loss
// leaves, and the live disk ("everything survived") is among the images.
TEST_CASE("A power loss that drops everything unsynced leaves the first enumerated image") {
  for (const bool ext4 : {false, true}) {
    for (uint64_t seed = 1; seed <= 8; ++seed) {
      Disk d(ext4 ? Ext4() : DiskOptions{}, seed);
      Random rng(seed * 104729);
      std::map<std::string, std::unique_ptr<rocksdb::FSWritableFile>> open;
      auto name = [&] { return "/data/f" + std::to_string(rng.Below(4)); };
      for (int op = 0; op < 300; ++op) {
        const std::string path = name();
        switch (rng.Below(8)) {
          case 0:
            open[path] = d.Create(path);
            break;
          case 1:
            if (open.count(path)) (void)d.Append(*open[path], std::string(rng.Below(3000), 'b'));
            break;
          case 2:
            if (open.count(path)) {
              (void)open[path]->PositionedAppend(Slice("yy"), rng.Below(64), IOOptions(), nullptr);
            }
            break;
          case 3:
            if (open.count(path)) (void)d.Sync(*open[path]);
            break;
          case 4:
            (void)d.Rename(path, name());
            break;
          case 5:
            (void)d.fs.DeleteFile(path, IOOptions(), nullptr);
            break;
          case 6:
            (void)d.SyncDir("/data");
            break;
          default: {
            open.clear();
            const uint64_t live = d.fs.LiveImage().Fingerprint();
            const std::vector<DiskImage> images = d.fs.EnumeratePowerLossImages(1000);
            REQUIRE_FALSE(images.empty());
            bool live_found = false;
            for (const DiskImage& image : images) live_found |= image.Fingerprint() == live;
            CHECK(live_found);
            d.fs.PowerLoss(PowerLossMode::kDropUnsynced);
            CHECK(d.fs.LiveImage().Fingerprint() == images.front().Fingerprint());
          }
        }
        d.fs.CheckInvariants();
      }
    }
  }
}

}  // namespace mqsim::sim
