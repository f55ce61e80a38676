// SimFileSystem: an in-memory rocksdb::FileSystem with real durability semantics.
//
// Fault model. Every file (an inode) has two contents: the page cache (what readers see)
// and the platter (what survives a power loss). fsync/fdatasync makes the platter equal to
// the page cache of that inode (sharing its chunks, chunked_bytes.h, not copying bytes). The
// namespace likewise has a live view and a durable view; which namespace changes are durable when
// is the PersistenceProfile's business (see disk_model.h). A process crash loses nothing written
// (the page cache survives) but invalidates every open handle; a power loss reverts every file to
// its platter content (PowerLossMode decides how much of an unsynced tail got there) and the
// namespace to its durable view. Capacity counts page-cache bytes; going beyond it is
// IOStatus::NoSpace. Powering off rejects every mutation (used to abandon a DB object without
// letting its teardown touch the disk). Latency is spent in virtual time, on the calling thread: a
// slow fsync delays the whole simulated process, as a blocking syscall would.
//
// Every operation is a trace event ("fs.<op>") folded into the run hash; all random choices
// (latency, injected errors, crash prefixes) come from the Random stream it is given.
// Use it from the simulation thread only (asserted).
//
// Where each part lives: the namespace (paths, directories, live and durable views) in
// disk_namespace.h; file contents (page cache vs platter) and space in inode.h; what a power
// loss leaves, for PowerLoss and EnumeratePowerLossImages alike, in power_loss.h. This class
// adds operation accounting (latency, injected faults, the power switch, tracing), process
// crashes and the invariants (sim_file_system.cc), and is the rocksdb::FileSystem, with its
// file handles (sim_file_system_rocksdb.cc).
#pragma once

#include <rocksdb/file_system.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sim/clock.h"
#include "sim/disk_image.h"  // DiskImage: a complete disk state, part of this API
#include "sim/disk_model.h"
#include "sim/disk_namespace.h"
#include "sim/inode.h"
#include "sim/random.h"
#include "sim/trace.h"

namespace mqsim::sim {

// Per-file durability frontier: bytes in the page cache vs on the platter.
struct FileDurability {
  std::string path;
  uint64_t size_bytes;
  uint64_t synced_bytes;  // length of the durable prefix that matches the page cache
  bool entry_durable;     // the directory entry itself survives a power loss
};

class SimFileSystem : public rocksdb::FileSystem {
 public:
  SimFileSystem(VirtualClock* clock, Random rng, Trace* trace, DiskOptions options = {});
  ~SimFileSystem() override;

  static const char* kClassName() { return "SimFileSystem"; }
  const char* Name() const override { return kClassName(); }

  // ---- control (the harness and fault injectors call these) ----
  // REQUIRES: the persistence profile is not changed after construction (the durable
  // namespace is only kept in step with the profile in force).
  DiskOptions& options() { return options_; }
  void set_capacity_bytes(uint64_t capacity) { options_.capacity_bytes = capacity; }
  uint64_t used_bytes() const { return inodes_.used_bytes(); }
  // Powered off: every mutation fails with IOError("disk powered off"); reads still work.
  void PowerOff() { powered_off_ = true; }
  void PowerOn() { powered_off_ = false; }
  // Crash point: the disk powers off just before the n-th operation from now (1 = the
  // next one), so the engine call in progress fails there. 0 disarms.
  void PowerOffAtOperation(uint64_t n) { power_off_at_op_ = n == 0 ? 0 : total_ops_ + n; }
  bool power_off_armed() const { return power_off_at_op_ != 0; }
  // Called (inside the failing operation) when an armed crash point powers the disk off;
  // a fault injector uses it to kill the process at the next scheduler step.
  void set_power_off_hook(std::function<void()> hook) { power_off_hook_ = std::move(hook); }
  uint64_t total_ops() const { return total_ops_; }
  bool powered_off() const { return powered_off_; }
  // The process died: page cache survives; open handles and locks die with the process.
  void CrashProcess();
  // Power loss: drop everything not durable, per profile and mode.
  void PowerLoss(PowerLossMode mode);
  // Asserts the disk's invariants (checked after every crash, power loss and restore; tests
  // call it after any operation):
  //   - every inode with a name in the live namespace is linked, and used bytes are the sum
  //     of the sizes of those inodes (each counted once);
  //   - an inode of the durable namespace without a live name is unlinked (its bytes were
  //     released when it lost its name);
  //   - a file's platter content is a prefix of its page cache unless it was truncated or
  //     overwritten since its last sync (what makes "keep a prefix of the unsynced tail" a
  //     valid power-loss image), in both namespaces;
  //   - under kExt4Ordered the durable namespace is the live namespace (namespace changes
  //     are journalled at once).
  void CheckInvariants() const;
  // The durable image right now if power were cut with kDropUnsynced.
  DiskImage DurableImage() const;
  // What a process (not the machine) would find after a crash now: the page cache.
  DiskImage LiveImage() const;
  // Distinct images a power loss could leave behind now (at most max_images), always
  // including "nothing unsynced survived" and "everything survived". Per file with an
  // unsynced tail: no tail, half of it (sector aligned), all of it; per directory with
  // undurable entries: old or new namespace.
  std::vector<DiskImage> EnumeratePowerLossImages(size_t max_images) const;
  // Replaces the whole disk with an image (as found after a reboot). Invalidates handles.
  void Restore(const DiskImage& image);
  std::vector<FileDurability> DurabilityFrontier() const;
  // How many operations of each kind ran (for tests and diagnostics).
  const std::map<std::string, uint64_t>& op_counts() const { return op_counts_; }
  uint64_t nospace_errors() const { return nospace_errors_; }
  // Convenience for harnesses: create a directory (and parents) outside any engine.
  void MakeDirs(const std::string& path);
  bool Exists(const std::string& path) const { return ns_.IsFile(DiskNamespace::Normalize(path)); }
  std::string ReadAll(const std::string& path) const;
  // The files directly in `dir` (names, sizes in the page cache), for a harness to measure
  // the disk: not an operation (no accounting, trace, latency or fault). Empty if no dir.
  std::vector<std::pair<std::string, uint64_t>> FilesIn(const std::string& dir) const;

  // ---- rocksdb::FileSystem ----
  rocksdb::IOStatus NewSequentialFile(const std::string& fname, const rocksdb::FileOptions&,
                                      std::unique_ptr<rocksdb::FSSequentialFile>* result,
                                      rocksdb::IODebugContext*) override;
  rocksdb::IOStatus NewRandomAccessFile(const std::string& fname, const rocksdb::FileOptions&,
                                        std::unique_ptr<rocksdb::FSRandomAccessFile>* result,
                                        rocksdb::IODebugContext*) override;
  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions&,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext*) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname, const rocksdb::FileOptions&,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext*) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                      const rocksdb::FileOptions&,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext*) override;
  rocksdb::IOStatus NewRandomRWFile(const std::string& fname, const rocksdb::FileOptions&,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                    rocksdb::IODebugContext*) override;
  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions&,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext*) override;
  rocksdb::IOStatus FileExists(const std::string& fname, const rocksdb::IOOptions&,
                               rocksdb::IODebugContext*) override;
  rocksdb::IOStatus GetChildren(const std::string& dir, const rocksdb::IOOptions&,
                                std::vector<std::string>* result,
                                rocksdb::IODebugContext*) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname, const rocksdb::IOOptions&,
                               rocksdb::IODebugContext*) override;
  rocksdb::IOStatus Truncate(const std::string& fname, size_t size, const rocksdb::IOOptions&,
                             rocksdb::IODebugContext*) override;
  rocksdb::IOStatus CreateDir(const std::string& dirname, const rocksdb::IOOptions&,
                              rocksdb::IODebugContext*) override;
  rocksdb::IOStatus CreateDirIfMissing(const std::string& dirname, const rocksdb::IOOptions&,
                                       rocksdb::IODebugContext*) override;
  rocksdb::IOStatus DeleteDir(const std::string& dirname, const rocksdb::IOOptions&,
                              rocksdb::IODebugContext*) override;
  rocksdb::IOStatus GetFileSize(const std::string& fname, const rocksdb::IOOptions&,
                                uint64_t* file_size, rocksdb::IODebugContext*) override;
  rocksdb::IOStatus GetFileModificationTime(const std::string& fname, const rocksdb::IOOptions&,
                                            uint64_t* file_mtime,
                                            rocksdb::IODebugContext*) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& target,
                               const rocksdb::IOOptions&, rocksdb::IODebugContext*) override;
  rocksdb::IOStatus LinkFile(const std::string& src, const std::string& target,
                             const rocksdb::IOOptions&, rocksdb::IODebugContext*) override;
  rocksdb::IOStatus LockFile(const std::string& fname, const rocksdb::IOOptions&,
                             rocksdb::FileLock** lock, rocksdb::IODebugContext*) override;
  rocksdb::IOStatus UnlockFile(rocksdb::FileLock* lock, const rocksdb::IOOptions&,
                               rocksdb::IODebugContext*) override;
  rocksdb::IOStatus GetTestDirectory(const rocksdb::IOOptions&, std::string* path,
                                     rocksdb::IODebugContext*) override;
  rocksdb::IOStatus NewLogger(const std::string& fname, const rocksdb::IOOptions&,
                              std::shared_ptr<rocksdb::Logger>* result,
                              rocksdb::IODebugContext*) override;
  rocksdb::IOStatus GetAbsolutePath(const std::string& db_path, const rocksdb::IOOptions&,
                                    std::string* output_path, rocksdb::IODebugContext*) override;
  rocksdb::IOStatus IsDirectory(const std::string& path, const rocksdb::IOOptions&, bool* is_dir,
                                rocksdb::IODebugContext*) override;
  rocksdb::IOStatus GetFreeSpace(const std::string& path, const rocksdb::IOOptions&,
                                 uint64_t* diskfree, rocksdb::IODebugContext*) override;

 private:
  class SequentialFile;
  class RandomAccessFile;
  class WritableFile;
  class Directory;
  class Lock;
  friend class SequentialFile;
  friend class RandomAccessFile;
  friend class WritableFile;
  friend class Directory;

  enum class OpKind { kRead, kWrite, kSync, kDirSync, kMetadata };

  // Counts, traces and delays one operation; returns a non-OK status if an injected fault
  // or the power switch rejects it.
  rocksdb::IOStatus Begin(OpKind kind, const char* op, const std::string& path, bool mutation);
  void Spend(const LatencyDistribution& d);
  bool Inject(double probability);
  // Counts a write that does not fit and returns ENOSPC.
  rocksdb::IOStatus NoSpace();
  // Names a new empty inode path in the live namespace (open with O_CREAT).
  InodePtr CreateInode(const std::string& path);
  // Common part of opening an existing file for reading: counts, traces, looks it up.
  rocksdb::IOStatus OpenForRead(const char* op, const std::string& fname, std::string* path,
                                InodePtr* inode);
  rocksdb::IOStatus ReadAt(const Inode& inode, const std::string& path, uint64_t generation,
                           uint64_t offset, size_t n, rocksdb::Slice* result, char* scratch);
  rocksdb::IOStatus WriteAt(Inode& inode, const std::string& path, uint64_t generation,
                            uint64_t offset, const rocksdb::Slice& data);
  rocksdb::IOStatus TruncateInode(Inode& inode, const std::string& path, uint64_t generation,
                                  uint64_t size);
  rocksdb::IOStatus SyncFile(Inode& inode, const std::string& path, uint64_t generation);
  rocksdb::IOStatus SyncDirectory(const std::string& dir);
  // The persistence profile's part of a create, rename or unlink of path.
  void AfterNamespaceChange(const std::string& path);
  // Every open handle and lock dies (a process crash, a power loss, a restore).
  void EndProcess();
  uint64_t HashBytes(const char* data, size_t n) const;
  void AssertThread() const;

  VirtualClock* clock_;
  Random rng_;
  Trace* trace_;
  DiskOptions options_;
  std::thread::id owner_thread_;

  DiskNamespace ns_;
  InodeStore inodes_;
  std::set<std::string> locks_;
  uint64_t generation_ = 1;  // bumped at every crash: older handles are dead
  bool powered_off_ = false;
  std::function<void()> power_off_hook_;
  uint64_t nospace_errors_ = 0;
  uint64_t total_ops_ = 0;
  uint64_t power_off_at_op_ = 0;
  std::map<std::string, uint64_t> op_counts_;
};

}  // namespace mqsim::sim
