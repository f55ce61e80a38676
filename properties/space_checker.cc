#include "properties/space_checker.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "properties/topic_walker.h"

namespace mqsim::properties {

namespace {

// What a topic may have written, counted as the walk goes, in two units the judge scales by
// the store's layout: bytes of topic name and payload, and records (each costs the store's
// record overhead). A produce counts two records: its own and the removal it may cause (a
// limit evicting the oldest message). Retention passes and recoveries may write a removal
// record in every topic: they are counted once for all (`marks` in CheckDiskSpace).
struct SpaceState {
  struct Count {
    uint64_t bytes = 0;
    uint64_t records = 0;
    uint64_t marks = 0;
  };
  Count written;
  Count failed;                       // failed produces: their records may lie torn in any block
  uint64_t largest = 0;               // the largest topic + payload attempted
  std::map<MessageId, Count> before;  // acknowledged id -> `written` just before its produce
};

using SpaceWalker = TopicWalker<SpaceState>;

uint64_t Scaled(const SpaceState::Count& c, uint64_t overhead) {
  return c.bytes + overhead * (c.records + c.marks);
}

// The most the topic's files may hold at an accounting event whose first message is
// `first`, or nullopt where the walk cannot say (no produce at or before it is known).
std::optional<uint64_t> Allowance(const SpaceState& s, MessageId first, uint64_t marks,
                                  const backends::TopicFiles& f) {
  const uint64_t failed = Scaled(s.failed, f.record_overhead);
  if (first == backends::kNoMessage) {
    return std::max(f.block_size, s.largest + f.record_overhead) + failed;
  }
  auto it = s.before.upper_bound(first);  // the last known produce at or before `first`
  if (it == s.before.begin()) return std::nullopt;
  const SpaceState::Count& m = std::prev(it)->second;
  const SpaceState::Count since{.bytes = s.written.bytes - m.bytes,
                                .records = s.written.records - m.records,
                                .marks = marks - m.marks};
  return f.block_size + failed + Scaled(since, f.record_overhead);
}

std::string Describe(const backends::TopicFiles& f, MessageId first, uint64_t allowance) {
  const std::string from = first == backends::kNoMessage
                               ? std::string("the topic is empty")
                               : "from its first message (id " + std::to_string(first) + ") on";
  return "its files take " + std::to_string(f.bytes) + " bytes in " + std::to_string(f.files) +
         " block(s), more than the " + std::to_string(allowance) + " bytes everything written " +
         from + " and one block of " + std::to_string(f.block_size) +
         " bytes could take: the space of removed messages was not given back";
}

// What a topic may hold in files shared with other topics right after a compaction, whose
// first message held is `first`: what was written from that message on, at the files'
// record size, and every failed produce (it may have been stored).
uint64_t SharedShare(const SpaceState& s, MessageId first, uint64_t overhead) {
  const uint64_t failed = s.failed.bytes + overhead * s.failed.records;
  if (first == backends::kNoMessage) return failed;
  auto it = s.before.upper_bound(first);  // the last known produce at or before `first`
  const SpaceState::Count m = it == s.before.begin() ? SpaceState::Count{} : std::prev(it)->second;
  return failed + (s.written.bytes - m.bytes) + overhead * (s.written.records - m.records) / 2;
}

// Ids below a topic's first message held are never the first again: forgets them, keeping
// the last one (it may stand in for a first message whose produce was not acknowledged).
void Forget(SpaceState& s, MessageId first) {
  if (first == backends::kNoMessage) return;
  auto keep = s.before.upper_bound(first);
  if (keep != s.before.begin()) s.before.erase(s.before.begin(), std::prev(keep));
}

// Right after a compaction pass, the shared files hold no more than every topic's share,
// the records of every topic name held so far (`names`: those the history created; the
// store's own list adds any other) and a file's overhead per file.
std::optional<Violation> JudgeCompaction(SpaceWalker& w, std::set<std::string>& names, size_t k,
                                         const HistoryEvent& e) {
  const backends::SharedFiles& f = *e.shared_files;
  uint64_t allowance = f.file_overhead * f.files;
  for (const auto& [topic, first] : f.first_ids) {
    names.insert(topic);
    SpaceState& s = w.topic(topic).state;
    allowance += SharedShare(s, first, f.record_overhead);
    Forget(s, first);
  }
  for (const std::string& name : names) {
    allowance += f.topic_records * (f.record_overhead + name.size());
  }
  if (f.bytes <= allowance) return std::nullopt;
  return Violation{Property::kDiskSpace,
                   "right after a compaction, the store's shared files take " +
                       std::to_string(f.bytes) + " bytes in " + std::to_string(f.files) +
                       " file(s), more than the " + std::to_string(allowance) +
                       " bytes the messages still held (from each topic's first message on) "
                       "and the files' own overhead could take: the space of deleted messages "
                       "was not given back",
                   {k}};
}

// Counts what event e may have written.
void Count(SpaceWalker& w, const HistoryEvent& e, uint64_t marks) {
  if (e.kind == EventKind::kPurge || e.kind == EventKind::kDeleteMessage) {
    ++w.topic(e.topic).state.written.records;
  } else if (e.kind == EventKind::kProduce) {
    SpaceState& s = w.topic(e.topic).state;
    s.written.marks = marks;
    if (e.ok) s.before[e.id] = s.written;
    const uint64_t bytes = e.bytes + e.topic.size();
    s.written.bytes += bytes;
    s.written.records += 2;
    s.largest = std::max(s.largest, bytes);
    if (!e.ok) {
      s.failed.bytes += bytes;
      ++s.failed.records;
    }
  }
}

}  // namespace

std::optional<Violation> CheckDiskSpace(const History& h) {
  // Most stores report no files: then there is nothing to judge, nor anything to count.
  const auto& events = h.events();
  if (std::none_of(events.begin(), events.end(), [](const HistoryEvent& e) {
        return (e.kind == EventKind::kAccounting && e.accounting && e.accounting->files) ||
               (e.kind == EventKind::kCompaction && e.shared_files);
      })) {
    return std::nullopt;
  }
  SpaceWalker w(h);
  uint64_t marks = 0;           // retention passes and recoveries so far
  std::set<std::string> names;  // every topic created so far
  return w.Walk([&](size_t k, const HistoryEvent& e) -> std::optional<Violation> {
    if (e.kind == EventKind::kRetention || e.kind == EventKind::kRecover) ++marks;
    Count(w, e, marks);
    if (e.kind == EventKind::kCreateTopic) names.insert(e.topic);
    if (e.kind == EventKind::kCompaction && e.shared_files) {
      return JudgeCompaction(w, names, k, e);
    }
    if (e.kind != EventKind::kAccounting || !e.accounting || !e.accounting->files) {
      return std::nullopt;
    }
    const backends::StoreAccounting& a = *e.accounting;
    SpaceState& s = w.topic(e.topic).state;
    const std::optional<uint64_t> allowance = Allowance(s, a.first_id, marks, *a.files);
    Forget(s, a.first_id);
    if (!allowance || a.files->bytes <= *allowance) return std::nullopt;
    return Violation{Property::kDiskSpace,
                     "topic " + e.topic + ": " + Describe(*a.files, a.first_id, *allowance),
                     {k}};
  });
}

}  // namespace mqsim::properties
