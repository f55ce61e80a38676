// MilvusDataPath: the part of Milvus that writes through the message store, reduced to what
// decides whether data survives a change of store.
//
//   producers  insert rows into channels (topics), one message per row "row:<id>:<ts>";
//   ticker     writes a time tick "tt:<ts>" to every channel (Milvus's timetick), so a
//              channel's consumed time advances even when nobody inserts;
//   flusher    (the data node) consumes every channel with group "datanode", buffers rows,
//              and at each flush interval, or when FlushAll asks, writes a segment per
//              channel to the object store and then durably checkpoints the channel's
//              position (engine-tagged) and time in the meta store. Both stores are remote
//              services on a disk of their own (they do not crash with the node).
//
// FlushAll() returns a timestamp T; it is complete when every channel's checkpoint has
// passed T (timestamps are unique, as Milvus's TSO makes them, so every row stamped before
// T is then in a segment). A switch stops everything, changes mq.type and starts again on an empty
// store of the new type; the flusher resumes from its checkpoints, which were written by the old
// engine: rejected loudly unless mq.ignoreBadPosition (then latest, with a warning).
//
// The checks: S1, after a completed FlushAll and a switch, every acknowledged row is in a
// segment or readable after the switch (CheckFlushBeforeSwitch); S2, a switch without
// FlushAll is caught by that check; S3, resuming on a foreign position fails.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "backends/sim_store.h"
#include "properties/checkers.h"
#include "properties/history.h"
#include "sim/sim_file_system.h"
#include "sim/simulation.h"

namespace mqsim::properties {

struct DataPathOptions {
  int channels = 2;
  sim::Duration insert_every = sim::Duration::Millis(50);
  int max_rows_per_insert = 4;
  sim::Duration time_tick_every = sim::Duration::Millis(200);
  sim::Duration consume_every = sim::Duration::Millis(100);
  int consume_batch = 64;
  sim::Duration flush_every = sim::Duration::Seconds(10);
  std::string channel_prefix = "by-dev-rootcoord-dml_";
};

class MilvusDataPath {
 public:
  MilvusDataPath(sim::Simulation* sim, DataPathOptions options, History* history);
  ~MilvusDataPath();

  // Starts producers, ticker and flusher on store (opening it, creating channels). The
  // flusher resumes from its checkpoints; an unreadable checkpoint fails the start (S3).
  absl::Status Start(backends::SimStore* store, bool ignore_bad_position);
  // Stops the producers (the operator stops writes); time ticks and the flusher go on.
  void StopWrites();
  void Stop();

  // Returns the flush timestamp (from the same allocator as the rows' timestamps).
  int64_t FlushAll();
  bool FlushAllComplete(int64_t flush_ts) const;

  // The operator's switch: stop everything, close the old store, start on the new one.
  absl::Status SwitchTo(backends::SimStore* store, bool ignore_bad_position);

  // What resuming printed when it replaced a bad position (ignoreBadPosition).
  const std::vector<std::string>& warnings() const { return warnings_; }
  // Channels that resumed reading from a checkpoint another engine wrote (it must be
  // rejected, or replaced by latest with a warning).
  const std::vector<std::string>& foreign_resumes() const { return foreign_resumes_; }
  const std::map<uint64_t, sim::Time>& acked_rows() const { return acked_rows_; }
  // Row ids in segments in the object store (read back from its disk).
  absl::StatusOr<std::set<uint64_t>> SegmentRows();
  uint64_t segments_written() const { return segments_; }

 private:
  struct Channel {
    std::string topic;
    std::vector<uint64_t> buffer;  // row ids consumed, not yet in a segment
    std::optional<backends::MessageId> last_id;
    int64_t last_ts_ns = 0;
    int64_t checkpoint_ts_ns = 0;
  };
  sim::Task<void> Producer();
  sim::Task<void> Ticker();
  sim::Task<void> Flusher();
  absl::Status ResumeChannel(Channel& c, bool ignore_bad_position);
  absl::Status FlushChannel(Channel& c);
  int64_t NowNs() const;
  // Milvus's TSO: unique, increasing timestamps (simulated ns, bumped on ties).
  int64_t Tso();

  sim::Simulation* sim_;
  DataPathOptions options_;
  History* history_;
  std::shared_ptr<sim::SimFileSystem> remote_;  // object store + meta store
  backends::SimStore* store_ = nullptr;
  std::unique_ptr<backends::MessageQueue> recorder_;
  std::vector<Channel> channels_;
  std::optional<sim::TaskHandle> producer_;
  std::optional<sim::TaskHandle> ticker_;
  std::optional<sim::TaskHandle> flusher_;
  sim::Random rng_;
  uint64_t next_row_ = 1;
  std::map<uint64_t, sim::Time> acked_rows_;
  bool flush_requested_ = false;
  int64_t flush_until_ns_ = 0;  // FlushAll's time: flush until every checkpoint passed it
  int64_t last_tso_ = 0;
  sim::Time next_flush_;
  uint64_t segments_ = 0;
  std::vector<std::string> warnings_;
  std::vector<std::string> foreign_resumes_;
};

// S1/S2: every row acknowledged before the switch is in a segment (the new store is empty,
// so nothing else can hold it). Names the first lost row.
std::optional<Violation> CheckFlushBeforeSwitch(MilvusDataPath& path, sim::Time switch_time);
// S3: no channel resumed from another engine's checkpoint as if it were its own.
std::optional<Violation> CheckForeignPositions(const MilvusDataPath& path);

}  // namespace mqsim::properties
