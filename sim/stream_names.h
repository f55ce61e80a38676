// The names of a run's random streams (Random::Stream), in one place: the seed derivation
// tree of docs/architecture.md. A name is part of a run's identity: renaming one changes
// the trace hash of every run that draws from it.
#pragma once

#include <string_view>

namespace mqsim::sim::streams {

inline constexpr std::string_view kScheduler = "scheduler";  // sim::Simulation
inline constexpr std::string_view kWorkload = "workload";    // the scenario's workload
// A node's disk and RocksDB Env: "<name>.<process>", or the bare name for a test's machine.
inline constexpr std::string_view kDisk = "disk";
inline constexpr std::string_view kEnv = "env";
inline constexpr std::string_view kFaults = "faults";    // the fault injector's timing
inline constexpr std::string_view kFiu = "fiu";          // libfiu evaluations
inline constexpr std::string_view kBuggify = "buggify";  // BUGGIFY sites
// The Milvus data path's object store disk, and its producers and flusher.
inline constexpr std::string_view kRemoteDisk = "remote-disk";
inline constexpr std::string_view kDataPath = "data-path";
// The moments of the Milvus operator's steps given as ranges.
inline constexpr std::string_view kOperator = "operator";

}  // namespace mqsim::sim::streams
