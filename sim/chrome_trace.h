// ChromeTraceWriter: a TraceSink writing the Chrome trace-event JSON format, for people:
// open it in ui.perfetto.dev (or chrome://tracing).
//
// Every actor (task or callback name) is a track; engine, workload and fault events are
// instant events on it; process crashes and power losses are global markers; GC pauses
// (Scheduler::PauseProcess) are slices on a "faults" track; and every file written gets a
// counter of its unsynced bytes (written minus made durable): the durability frontier.
// Scheduler bookkeeping (task switches, resumes) is left out; the JSONL trace has it all.
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

 private:
  int Track(const std::string& name);
  void Emit(const std::string& json);

  std::ostream& out_;
  bool first_ = true;
  std::map<std::string, int> tracks_;
  struct FileState {
    uint64_t written = 0;
    uint64_t synced = 0;
  };
  std::map<std::string, FileState> files_;
};

}  // namespace mqsim::sim
