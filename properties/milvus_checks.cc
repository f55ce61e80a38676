#include "properties/milvus_checks.h"

#include <algorithm>
#include <string>
#include <vector>

namespace mqsim::properties {

namespace {

std::vector<sim::Time> TimesOf(const History& h, EventKind kind) {
  std::vector<sim::Time> out;
  for (const HistoryEvent& e : h.events()) {
    if (e.kind == kind) out.push_back(sim::Time::FromNanos(e.time_ns));
  }
  return out;
}

// When the row's channel checkpoint first passed it (its flush), if ever.
std::optional<sim::Time> FlushedAt(const MilvusDataPath& path, const AckedRow& row) {
  for (const CheckpointRecord& r : path.checkpoints()) {
    if (r.channel == row.channel && r.ts >= row.ts) return r.at;
  }
  return std::nullopt;
}

// Some moment in `times` at or after the acknowledgement and before the flush.
bool Between(const std::vector<sim::Time>& times, sim::Time acked,
             std::optional<sim::Time> flushed) {
  return std::any_of(times.begin(), times.end(),
                     [&](sim::Time t) { return t >= acked && (!flushed || t < *flushed); });
}

// Every acknowledged row in no segment, with the reason for it.
std::vector<MissingRow> MissingRows(const MilvusDataPath& path, const History& h,
                                    const std::map<uint64_t, int>& in_segments) {
  const std::vector<sim::Time> power_losses = TimesOf(h, EventKind::kPowerLoss);
  const std::vector<sim::Time> switches = TimesOf(h, EventKind::kSwitch);
  std::map<int, std::vector<sim::Time>> replaced;
  for (const LatestReplacement& r : path.replacements()) replaced[r.channel].push_back(r.at);
  std::vector<MissingRow> out;
  for (const auto& [id, row] : path.acked_rows()) {
    if (in_segments.count(id) != 0) continue;
    MissingRow m{id, &row, FlushedAt(path, row), Cause::kUnknown};
    if (!row.durable && Between(power_losses, row.at, m.flushed)) {
      m.cause = Cause::kPowerLoss;
    } else if (Between(switches, row.at, m.flushed)) {
      m.cause = Cause::kSwitch;
    } else if (Between(replaced[row.channel], row.at, m.flushed)) {
      m.cause = Cause::kLatest;
    }
    out.push_back(m);
  }
  return out;
}

std::string Describe(const MilvusDataPath& path, const MissingRow& m) {
  return "row " + std::to_string(m.id) + " of " + path.topic(m.row->channel) + ", acknowledged " +
         (m.row->durable ? "durably" : "without sync") + " at " + m.row->at.ToString() +
         (m.flushed ? ", its checkpoint passed at " + m.flushed->ToString()
                    : ", never passed by its checkpoint");
}

// The rows missing for `cause`: how many, and the first.
std::optional<std::pair<uint64_t, const MissingRow*>> Count(const std::vector<MissingRow>& rows,
                                                            Cause cause) {
  uint64_t n = 0;
  const MissingRow* first = nullptr;
  for (const MissingRow& m : rows) {
    if (m.cause != cause) continue;
    if (n++ == 0) first = &m;
  }
  if (n == 0) return std::nullopt;
  return std::make_pair(n, first);
}

// A channel's checkpoints never move backwards.
std::optional<Violation> CheckCheckpointsForward(const MilvusDataPath& path) {
  std::map<int, CheckpointRecord> last;
  for (const CheckpointRecord& r : path.checkpoints()) {
    auto it = last.find(r.channel);
    if (it != last.end() && r.ts < it->second.ts) {
      return Violation{Property::kFlushedRows,
                       "the checkpoint of " + path.topic(r.channel) + " moved backwards at " +
                           r.at.ToString() + " (to ts " + std::to_string(r.ts) + " from ts " +
                           std::to_string(it->second.ts) + " written at " +
                           it->second.at.ToString() + ")",
                       {}};
    }
    last[r.channel] = r;
  }
  return std::nullopt;
}

// Nothing in a segment that was never inserted, nothing in two segments.
std::optional<Violation> CheckSegmentsExact(const MilvusDataPath& path,
                                            const std::map<uint64_t, int>& in_segments) {
  for (const auto& [row, copies] : in_segments) {
    if (row == 0 || row > path.rows_attempted()) {
      return Violation{Property::kFlushedRows,
                       "row " + std::to_string(row) + " is in a segment but was never inserted",
                       {}};
    }
    if (copies > 1) {
      return Violation{Property::kFlushedRows,
                       "row " + std::to_string(row) + " is in " + std::to_string(copies) +
                           " flushed segments (replayed after a restart and flushed again)",
                       {}};
    }
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<RowAudit> AuditRows(MilvusDataPath& path, const History& history) {
  absl::StatusOr<std::map<uint64_t, int>> in_segments = path.SegmentRows();
  if (!in_segments.ok()) {
    return absl::Status(
        in_segments.status().code(),
        "cannot read the object store: " + std::string(in_segments.status().message()));
  }
  RowAudit audit;
  audit.missing = MissingRows(path, history, *in_segments);
  audit.in_segments = *std::move(in_segments);
  return audit;
}

std::optional<Violation> CheckFlushedRows(const MilvusDataPath& path, const RowAudit& audit) {
  if (auto v = CheckCheckpointsForward(path)) return v;
  if (auto v = CheckSegmentsExact(path, audit.in_segments)) return v;
  const auto lost = Count(audit.missing, Cause::kUnknown);
  if (!lost) return std::nullopt;
  return Violation{Property::kFlushedRows,
                   std::to_string(lost->first) +
                       " acknowledged rows are in no segment and no power loss, switch or "
                       "position replaced by latest explains it (first: " +
                       Describe(path, *lost->second) + ")",
                   {}};
}

std::optional<Violation> CheckForeignPositions(const MilvusDataPath& path, const RowAudit& audit) {
  if (!path.foreign_resumes().empty()) {
    return Violation{Property::kForeignPosition,
                     path.foreign_resumes().front() + ", silently, as if it were its own (" +
                         std::to_string(path.foreign_resumes().size()) + " channels)",
                     {}};
  }
  const auto skipped = Count(audit.missing, Cause::kLatest);
  if (!skipped) return std::nullopt;
  return Violation{Property::kForeignPosition,
                   std::to_string(skipped->first) +
                       " acknowledged rows were skipped when mq.ignoreBadPosition replaced a "
                       "checkpoint of the old store by latest on a restart after the switch "
                       "(first: " +
                       Describe(path, *skipped->second) +
                       "); let a FlushAll complete on the new store before ingestion resumes",
                   {}};
}

std::optional<Violation> CheckFlushBeforeSwitch(const RowAudit& audit) {
  const auto lost = Count(audit.missing, Cause::kSwitch);
  if (!lost) return std::nullopt;
  return Violation{Property::kFlushBeforeSwitch,
                   std::to_string(lost->first) +
                       " acknowledged rows are neither in a segment nor "
                       "readable after the switch (first: row " +
                       std::to_string(lost->second->id) + " acknowledged at " +
                       lost->second->row->at.ToString() +
                       "); switch mq.type only after a completed FlushAll",
                   {}};
}

}  // namespace mqsim::properties
