// Helpers shared by the engine benchmarks (binaries, never tests): one driver per engine so
// that every world runs literally the same calls, the engines opened natively, wall and CPU
// time of a phase, memory from /proc, and one measurement per child process.
//
// Why a child process per measurement: RSS and its peak start from a clean heap, the CPU
// time of RUSAGE_SELF covers exactly the engine's threads of that run, and a simulated run
// (which turns on RocksDB's sync-point processing through sim::ResetRocksDbInternals) does
// not leak that into a later native run of the same binary.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "node/native_node.h"
#include "storage/natsmq/nats_store.h"
#include "storage/rocksmq/rocksmq.h"

namespace mqsim::bench {

enum class Engine { kRocksMq, kNatsMq };
std::string_view ToString(Engine e);
// "rocksmq" or "natsmq"; anything else ends the benchmark with an error.
Engine EngineNamed(const std::string& name);

[[noreturn]] void Die(const std::string& what);

// ---- time and memory ----

double CpuSeconds();      // user + sys of every thread of this process (getrusage RUSAGE_SELF)
uint64_t RssBytes();      // resident set now (/proc/self/statm)
uint64_t PeakRssBytes();  // VmHWM from /proc/self/status
// Resets VmHWM to the current RSS (writes 5 to /proc/self/clear_refs); false if refused.
bool ResetPeakRss();

struct Usage {
  double wall_s = 0;
  double cpu_s = 0;
};

// Wall (steady clock) and process CPU time since construction.
class Meter {
 public:
  Meter();
  Usage Elapsed() const;

 private:
  int64_t wall_start_ns_;
  double cpu_start_s_;
};

// Runs fn in a forked child and returns its result (a trivially copyable struct); exits
// with a message if the child fails. Call only while this process has no other thread.
template <typename T>
T RunInChild(const std::function<T()>& fn);

// count distinct pseudo-random (incompressible) payloads of `bytes` each, from seed.
std::vector<std::string> Payloads(size_t bytes, int count, uint64_t seed);

// ---- the engines ----

// The same calls on either engine: topic "bench", one consumer ("g": a RocksMQ consumer
// group, a durable natsmq consumer acked on receipt as Milvus does).
class EngineDriver {
 public:
  virtual ~EngineDriver() = default;
  virtual void Setup() = 0;
  // One batch: one RocksMQ Produce call (one WriteBatch); natsmq publishes one by one (a
  // NATS publish carries one message).
  virtual void Produce(std::span<const std::string> batch) = 0;
  // Up to max messages; returns how many, adds their payload bytes to *bytes.
  virtual size_t Consume(int max, uint64_t* bytes) = 0;
  virtual void Close() = 0;
};
std::unique_ptr<EngineDriver> DriveRocksMq(rocksmq::RocksMQ* mq);
std::unique_ptr<EngineDriver> DriveNatsMq(natsmq::NatsStore* store,
                                          const natsmq::NatsMqOptions& options);

// Retention-free engine options (nothing deleted while a benchmark runs), otherwise Milvus's
// defaults: RocksMQ without produce sync, natsmq with its 2-minute sync interval.
rocksmq::RocksMqOptions BenchRocksMqOptions();
natsmq::NatsMqOptions BenchNatsMqOptions();

// An engine opened natively under dir (POSIX file system, real clock, RocksDB's own
// threads) on a node::NativeNode with the real clock, its periodic jobs on the node's job
// thread, as a Milvus standalone runs it. sync:
// durable acknowledgements (rocksmq produce_sync, natsmq sync always).
class NativeEngine {
 public:
  static std::unique_ptr<NativeEngine> Open(Engine engine, const std::string& dir,
                                            bool sync = false);
  ~NativeEngine();
  EngineDriver& driver() { return *driver_; }
  // Closes the engine (untimed by the benchmarks) and stops the job thread.
  void Close();

 private:
  NativeEngine() = default;
  std::unique_ptr<rocksmq::RocksMQ> rocksmq_;
  std::unique_ptr<natsmq::NatsStore> nats_;
  std::unique_ptr<EngineDriver> driver_;
  std::unique_ptr<node::NativeNode> node_;  // its jobs stop before the engine closes
};

// ---- template implementation ----

namespace detail {
// Forks; the child runs body and writes size bytes from result to a pipe, the parent reads
// them into result. Exits the program if the child fails.
void RunInChild(const std::function<void(void* out)>& body, void* result, size_t size);
}  // namespace detail

template <typename T>
T RunInChild(const std::function<T()>& fn) {
  static_assert(std::is_trivially_copyable_v<T>);
  T result{};
  detail::RunInChild([&fn](void* out) { *static_cast<T*>(out) = fn(); }, &result, sizeof(T));
  return result;
}

}  // namespace mqsim::bench
