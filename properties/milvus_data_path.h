// MilvusDataPath: the part of Milvus that writes through the message store, reduced to what
// decides whether data survives a crash, a power loss and a change of store.
//
//   producers  insert rows into channels (topics), one message per row "row:<id>:<ts>"; an
//              insert the store refuses is an error to the client (not retried, not acked);
//   ticker     writes a time tick "tt:<ts>" to every channel (Milvus's timetick), so a
//              channel's consumed time advances even when nobody inserts;
//   flusher    (the data node) consumes every channel with group "datanode", buffers rows,
//              and at each flush interval, or when FlushAll asks, writes a segment per
//              channel to the object store and then, in one atomic write, the channel's
//              record in the meta store: its checkpoint (engine-tagged position and time)
//              and the segments it holds (DataCoord's SaveBinlogPaths). A segment file that
//              no record names (written before a crash) is not part of the collection.
//              Both stores are remote services on a disk of their own (they do not crash
//              with the node).
//
// The tasks run in the store's process (Milvus standalone embeds rocksmq and natsmq): a
// crash of the node takes them and every buffer with it (Crashed). Start resumes each channel
// from the checkpoint in the meta store (or from the earliest message when it has none) and
// replays what was not flushed.
//
// FlushAll() returns a timestamp T; it is complete when every channel's checkpoint has
// passed T (timestamps are unique, as Milvus's TSO makes them, so every row stamped before
// T is then in a segment). A switch stops everything, changes mq.type and starts again on a
// store of the new type; the flusher resumes from its checkpoints, which were written by the
// old engine: rejected loudly unless mq.ignoreBadPosition (then latest, with a warning).
//
// The checks are in properties/milvus_checks.h.
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

// A row the store acknowledged to a producer.
struct AckedRow {
  sim::Time at;
  int channel = 0;
  int64_t ts = 0;        // its TSO timestamp
  bool durable = false;  // the store promised that it survives a power loss
};

// A channel's record in the meta store, as the flusher wrote it.
struct CheckpointRecord {
  sim::Time at;
  int channel = 0;
  int64_t ts = 0;  // every row of the channel stamped at or before ts is in a segment
};

// A resume that replaced a bad position by latest (mq.ignoreBadPosition).
struct LatestReplacement {
  sim::Time at;
  int channel = 0;
};

class MilvusDataPath {
 public:
  MilvusDataPath(sim::Simulation* sim, DataPathOptions options, History* history);
  ~MilvusDataPath();

  // Starts producers (unless writes are stopped), ticker and flusher on store (opening it,
  // creating channels). Each channel resumes from its checkpoint; an unreadable checkpoint
  // fails the start (S3). REQUIRES: !running().
  absl::Status Start(backends::SimStore* store, bool ignore_bad_position);
  // The store's process died: its tasks are gone; what they held in memory is forgotten.
  void Crashed();
  // A clean stop of the tasks (Milvus does not flush on the way down).
  void Stop();
  bool running() const { return recorder_ != nullptr; }
  // The clients stop inserting (the operator stops ingestion) until ResumeWrites.
  void StopWrites();
  void ResumeWrites();

  // Returns the flush timestamp (from the same allocator as the rows' timestamps).
  int64_t FlushAll();
  bool FlushAllComplete(int64_t flush_ts) const;

  // The operator's switch: stop everything, close the old store, start on `store` (which may
  // be the old one, reconfigured while closed).
  absl::Status SwitchTo(backends::SimStore* store, bool ignore_bad_position);

  // The operator changed mq.type to `to` (history and trace); the next Start resumes on it.
  void RecordSwitch(backends::MqType to);

  // What resuming printed when it replaced a bad position (ignoreBadPosition).
  const std::vector<std::string>& warnings() const { return warnings_; }
  // Channels that resumed reading from a checkpoint another engine wrote (it must be
  // rejected, or replaced by latest with a warning).
  const std::vector<std::string>& foreign_resumes() const { return foreign_resumes_; }
  const std::vector<LatestReplacement>& replacements() const { return replacements_; }
  const std::map<uint64_t, AckedRow>& acked_rows() const { return acked_rows_; }
  const std::vector<CheckpointRecord>& checkpoints() const { return checkpoints_; }
  const std::string& topic(int channel) const { return channels_[channel].topic; }
  // Rows ids 1..rows_attempted() were inserted (acknowledged or not).
  uint64_t rows_attempted() const { return next_row_ - 1; }
  // Row id -> how many of the segments the meta store names hold it (read back from the
  // object store's disk).
  absl::StatusOr<std::map<uint64_t, int>> SegmentRows();
  uint64_t segments_written() const { return segments_; }

 private:
  struct Channel {
    std::string topic;
    std::vector<uint64_t> buffer;    // row ids consumed, not yet in a segment
    std::vector<uint64_t> deferred;  // bug mode checkpoint_ahead_of_segment only
    std::optional<backends::MessageId> last_id;
    int64_t last_ts_ns = 0;
    int64_t checkpoint_ts_ns = 0;
    std::vector<std::string> segments;  // as the meta store names them
  };
  sim::Task<void> Producer();
  sim::Task<void> Ticker();
  sim::Task<void> Flusher();
  void ConsumeChannel(Channel& c);
  absl::Status ResumeChannel(Channel& c, bool ignore_bad_position);
  absl::Status RewindChannel(Channel& c);
  absl::Status FlushChannel(Channel& c);
  void CancelTasks();
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
  bool writes_ = true;
  uint64_t next_row_ = 1;
  std::map<uint64_t, AckedRow> acked_rows_;
  std::vector<CheckpointRecord> checkpoints_;
  bool flush_requested_ = false;  // DataCoord's: it survives a crash of the node
  int64_t flush_until_ns_ = 0;    // FlushAll's time: flush until every checkpoint passed it
  int64_t last_tso_ = 0;
  sim::Time next_flush_;
  uint64_t segments_ = 0;
  std::vector<std::string> warnings_;
  std::vector<std::string> foreign_resumes_;
  std::vector<LatestReplacement> replacements_;
};

}  // namespace mqsim::properties
