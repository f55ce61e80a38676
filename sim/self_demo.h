// The simulator's self-demo: a small seeded world that exercises every part of sim/.
//
// Producers (process 1) put messages into a bounded queue; consumers (process 2) take them
// with seeded service times; a fault actor crashes process 2 at seed-chosen moments and
// restarts it after a seed-chosen delay; a periodic callback reports progress. The queue
// survives crashes (it stands for durable storage), so at the end every produced message
// must have been consumed exactly once. Used by `mqsim demo` and by the sim/ tests.
#pragma once

#include <cstdint>
#include <string>

#include "sim/trace.h"

namespace mqsim::sim {

struct SelfDemoOptions {
  uint64_t seed = 1;
  int producers = 3;
  int consumers = 2;
  int messages_per_producer = 200;
  int queue_capacity = 8;
  Duration duration = Duration::Minutes(30);
  Duration mean_crash_interval = Duration::Minutes(3);
};

struct SelfDemoResult {
  uint64_t produced = 0;
  uint64_t consumed = 0;
  uint64_t duplicates = 0;  // must be 0
  uint64_t crashes = 0;
  uint64_t steps = 0;
  Time end_time;
  uint64_t trace_hash = 0;
  std::string outcome;  // the scheduler's RunResult
  bool ok() const { return duplicates == 0 && consumed == produced; }
};

// Runs the demo on trace (events go to its sink if one is attached).
SelfDemoResult RunSelfDemo(const SelfDemoOptions& options, Trace& trace);

}  // namespace mqsim::sim
