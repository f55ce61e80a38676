// ChromeTraceWriter: a TraceSink writing the Chrome trace-event JSON format, for people:
// open it in ui.perfetto.dev (or chrome://tracing).
//
// Every actor (task or callback name) is a track; engine, workload and fault events are
// instant events on it; process crashes and power losses are global markers; GC pauses
// (Scheduler::PauseProcess) are slices on a "faults" track; and every file written gets a
// counter of its unsynced bytes (written minus made durable): the durability frontier.
// Scheduler bookkeeping (task switches, resumes) is left out; the JSONL trace has it all.
//
// The run's history (the mq.* events: every store call with its answer) is a second
// process, "history", with a track per consumer group and per topic; the verdict is a
// global marker, and a failure also marks each history event its evidence cites, on that
// event's track. SetRunInfo labels the trace with the seed, the hash and the result.
// Digests and hashes are hex strings, never 64-bit JSON numbers (JsonText in trace.h).
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>

#include "sim/trace.h"

namespace mqsim::sim {

class ChromeTraceWriter : public TraceSink {
 public:
  explicit ChromeTraceWriter(std::ostream& out);
  ~ChromeTraceWriter() override;  // closes the JSON array
  void Write(const TraceEvent& event) override;
  // Labels the trace's processes with the run's identity (shown by ui.perfetto.dev).
  void SetRunInfo(uint64_t seed, uint64_t hash, const std::string& result);

 private:
  static constexpr int kSimPid = 1;
  static constexpr int kHistoryPid = 2;
  int Track(const std::string& name, int pid = kSimPid);
  void Emit(const std::string& json);
  void WriteHistory(const TraceEvent& event);
  void WriteVerdict(const TraceEvent& event);

  std::ostream& out_;
  bool first_ = true;
  std::map<std::pair<int, std::string>, int> tracks_;  // (pid, name) -> tid
  struct Where {
    double ts = 0;
    int tid = 0;
  };
  std::map<uint64_t, Where> history_events_;  // history index -> where it was drawn
  struct FileState {
    uint64_t written = 0;
    uint64_t synced = 0;
  };
  std::map<std::string, FileState> files_;
};

}  // namespace mqsim::sim
