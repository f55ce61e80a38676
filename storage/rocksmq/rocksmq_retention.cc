// RocksMQ's periodic work: the retention pass (the time and size rules over acked pages) and
// compaction of both databases, offered to the host as PeriodicJobs.
#include <rocksdb/metadata.h>
#include <rocksdb/write_batch.h>

#include <cmath>
#include <iterator>

#include "base/bug_modes.h"
#include "base/buggify.h"
#include "base/fault_point.h"
#include "base/probe.h"
#include "base/status_macros.h"
#include "storage/job_names.h"
#include "storage/rocksmq/fault_points.h"
#include "storage/rocksmq/probes.h"
#include "storage/rocksmq/rocksmq.h"
#include "storage/rocksmq/rocksmq_internal.h"

namespace mqsim::rocksmq {

using internal::FromRocks;

absl::Status RocksMQ::RunRetention() {
  std::lock_guard<std::mutex> lock(mu_);
  MQSIM_RETURN_IF_ERROR(Ready());
  const int64_t now = NowMs();
  for (auto& [name, t] : topics_) MQSIM_RETURN_IF_ERROR(RetainTopic(name, t, now));
  return absl::OkStatus();
}

absl::Status RocksMQ::RetainTopic(const std::string& name, Topic& t, int64_t now_ms) {
  const bool time_rule = options_.retention_time_minutes >= 0;
  const bool size_rule = options_.retention_size_mb >= 0;
  if (!time_rule && !size_rule) return absl::OkStatus();
  const int64_t retention_ms =
      time_rule ? static_cast<int64_t>(std::llround(options_.retention_time_minutes * 60000.0)) : 0;
  const uint64_t limit_bytes =
      size_rule ? static_cast<uint64_t>(options_.retention_size_mb) << 20 : 0;
  uint64_t acked_bytes = 0;
  for (auto it = t.pages.begin(); it != t.pages.end() && it->second.ack_ms != 0; ++it) {
    acked_bytes += it->second.bytes;
  }
  auto doomed_end = t.pages.begin();
  // 1. time rule, 2. size rule; both walk oldest first and stop at the first unacked page.
  while (time_rule && doomed_end != t.pages.end() && doomed_end->second.ack_ms != 0 &&
         doomed_end->second.ack_ms + retention_ms < now_ms) {
    acked_bytes -= doomed_end->second.bytes;
    ++doomed_end;
  }
  const auto by_time_end = doomed_end;
  while (size_rule && doomed_end != t.pages.end() && doomed_end->second.ack_ms != 0 &&
         acked_bytes - doomed_end->second.bytes > limit_bytes) {
    acked_bytes -= doomed_end->second.bytes;
    ++doomed_end;
  }
  if (doomed_end == t.pages.begin()) return absl::OkStatus();
  if (by_time_end != t.pages.begin()) MQSIM_PROBE(probes::kRetentionTimeRule);
  if (doomed_end != by_time_end) MQSIM_PROBE(probes::kRetentionSizeRule);
  // A pass that does less is only late: the rest goes at the next tick (never two cut passes
  // in a row, so a page is at most one tick later than the rules say).
  const bool cut = !t.retention_cut && MQSIM_BUGGIFY(points::kBuggifyRetentionOnePage);
  t.retention_cut = cut;
  if (cut) doomed_end = std::next(t.pages.begin());
  const MessageId last_deleted = std::prev(doomed_end)->first;
  if (MQSIM_BUG(kMetaBeforeData)) {
    // Bug mode meta_before_data (before Milvus PR #9694): the page records go first, then
    // the messages of the doomed pages by the ids the records gave. A failure or crash in
    // between leaves messages no page describes; no later pass ever deletes them.
    const MessageId from = t.pages.begin()->second.first_id;
    rocksdb::WriteBatch pages;
    for (auto it = t.pages.begin(); it != doomed_end; ++it) pages.Delete(PageKey(name, it->first));
    MQSIM_RETURN_IF_ERROR(Write(store_.get(), rocksdb::WriteOptions(), &pages,
                                "retention of " + name + " (pages)", nullptr));
    t.pages.erase(t.pages.begin(), doomed_end);
    rocksdb::WriteBatch messages;
    messages.DeleteRange(MessageKey(name, from), MessageKey(name, last_deleted + 1));
    MQSIM_RETURN_IF_ERROR(Write(store_.get(), rocksdb::WriteOptions(), &messages,
                                "retention of " + name, points::kRetentionDelete));
    t.first_id = std::max(t.first_id, last_deleted + 1);
    return absl::OkStatus();
  }
  // Messages and their page records go in one batch: a crash cannot separate them.
  rocksdb::WriteBatch batch;
  batch.DeleteRange(MessageKey(name, 0), MessageKey(name, last_deleted + 1));
  for (auto it = t.pages.begin(); it != doomed_end; ++it) batch.Delete(PageKey(name, it->first));
  MQSIM_RETURN_IF_ERROR(Write(store_.get(), rocksdb::WriteOptions(), &batch, "retention of " + name,
                              points::kRetentionDelete));
  t.pages.erase(t.pages.begin(), doomed_end);
  t.first_id = std::max(t.first_id, last_deleted + 1);
  return absl::OkStatus();
}

absl::Status RocksMQ::CompactDb(rocksdb::DB* db) {
  if (MQSIM_FAULT_POINT(points::kCompaction)) {
    return base::InjectedFault(points::kCompaction, "compaction");
  }
  rocksdb::ColumnFamilyMetaData meta;
  db->GetColumnFamilyMetaData(&meta);
  std::vector<std::string> inputs;
  for (const auto& level : meta.levels) {
    for (const auto& file : level.files) {
      if (!file.being_compacted) inputs.push_back(file.name);
    }
  }
  if (inputs.empty()) return absl::OkStatus();
  // Inline, non-waiting: CompactFiles runs on the calling thread (safe in the simulation,
  // unlike CompactRange, which waits for background threads).
  rocksdb::CompactionOptions co;
  const rocksdb::Status s = db->CompactFiles(co, inputs, static_cast<int>(meta.levels.size()) - 1);
  if (s.IsAborted() || s.IsInvalidArgument()) return absl::OkStatus();  // raced a compaction
  return FromRocks(s, "compaction");
}

// The memtable goes to a table file first, so its deletions reach the files compacted.
// Natively the flush is waited for; in a simulation it is queued and the host runs it.
absl::Status RocksMQ::FlushDb(rocksdb::DB* db) {
  rocksdb::FlushOptions fo;
  fo.wait = !host_.run_background_work;
  fo.allow_write_stall = true;
  const rocksdb::Status s = db->Flush(fo);
  if (host_.run_background_work) host_.run_background_work();
  return FromRocks(s, "flush before compaction");
}

absl::Status RocksMQ::Compact() {
  std::lock_guard<std::mutex> lock(mu_);
  MQSIM_RETURN_IF_ERROR(Ready());
  MQSIM_RETURN_IF_ERROR(FlushDb(store_.get()));
  MQSIM_RETURN_IF_ERROR(CompactDb(store_.get()));
  MQSIM_RETURN_IF_ERROR(FlushDb(meta_.get()));
  return CompactDb(meta_.get());
}

std::vector<storage::PeriodicJob> RocksMQ::PeriodicJobs() {
  return {
      storage::PeriodicJob{storage::jobs::kRocksMqRetention,
                           options_.ticker_interval_s * 1'000'000,
                           {},
                           [this] { return RunRetention(); }},
      storage::PeriodicJob{storage::jobs::kRocksMqCompaction,
                           options_.compaction_interval_s * 1'000'000,
                           {},
                           [this] { return Compact(); }},
  };
}

}  // namespace mqsim::rocksmq
