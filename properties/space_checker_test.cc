// Disk space: hand-made histories where a topic's files keep more than what was written
// from its first message on plus one block (fails), and where that is all they keep
// (passes); the same for files shared by all topics, right after a compaction. Layout:
// blocks of 1000 bytes, records of 39 + topic + payload bytes.
#include "properties/space_checker.h"

#include <catch2/catch.hpp>

namespace mqsim::properties {
namespace {

constexpr uint64_t kBlock = 1000;
constexpr uint64_t kOverhead = 39;
constexpr uint64_t kPayload = 100;  // a record: 39 + 1 + 100 = 140 bytes

void Produce(History& h, MessageId id, bool ok = true) {
  h.Add(HistoryEvent{.kind = EventKind::kProduce,
                     .topic = "t",
                     .ok = ok,
                     .id = ok ? id : backends::kNoMessage,
                     .payload = std::string(kPayload, 'x')});
}

void Files(History& h, MessageId first, uint64_t bytes) {
  backends::StoreAccounting a;
  a.first_id = first;
  a.first_exact = true;
  a.files = backends::TopicFiles{
      .bytes = bytes, .files = 1, .block_size = kBlock, .record_overhead = kOverhead};
  h.Add(HistoryEvent{.kind = EventKind::kReadAll, .topic = "t"});
  h.Add(HistoryEvent{.kind = EventKind::kAccounting,
                     .topic = "t",
                     .accounting = std::make_shared<const backends::StoreAccounting>(a)});
}

History Ten() {
  History h;
  h.Add(HistoryEvent{.kind = EventKind::kCreateTopic, .topic = "t"});
  for (MessageId id = 1; id <= 10; ++id) Produce(h, id);
  return h;
}

// From id 6 on: 5 produces of 101 bytes and 2 records each, plus one block.
constexpr uint64_t kFromSix = kBlock + 5 * (1 + kPayload) + 10 * kOverhead;  // 1895

TEST_CASE("disk_space: files within what was written since the first message pass") {
  History h = Ten();
  Files(h, 6, kFromSix);
  CHECK_FALSE(CheckDiskSpace(h).has_value());
  History whole = Ten();  // nothing removed: every record and one block
  Files(whole, 1, 10 * 140);
  CHECK_FALSE(CheckDiskSpace(whole).has_value());
}

TEST_CASE("disk_space fails when removed messages keep their blocks") {
  History h = Ten();
  Files(h, 6, kFromSix + 1);
  const std::optional<Violation> v = CheckDiskSpace(h);
  REQUIRE(v.has_value());
  CHECK(v->property == Property::kDiskSpace);
  CHECK(v->events == std::vector<size_t>{12});
  CHECK_THAT(v->detail, Catch::Contains("1896 bytes"));

  History purged = Ten();  // emptied: one block at most
  purged.Add(HistoryEvent{.kind = EventKind::kPurge, .topic = "t"});
  Files(purged, backends::kNoMessage, kBlock);
  CHECK_FALSE(CheckDiskSpace(purged).has_value());
  History kept = Ten();
  kept.Add(HistoryEvent{.kind = EventKind::kPurge, .topic = "t"});
  Files(kept, backends::kNoMessage, kBlock + 140);
  CHECK(CheckDiskSpace(kept).has_value());
}

TEST_CASE("disk_space fails when a topic created again keeps the old one's blocks") {
  History h = Ten();
  h.Add(HistoryEvent{.kind = EventKind::kDestroyTopic, .topic = "t"});
  h.Add(HistoryEvent{.kind = EventKind::kCreateTopic, .topic = "t"});
  Produce(h, 1);
  Files(h, 1, kBlock + 10 * 140);  // the new message and the old ten
  CHECK(CheckDiskSpace(h).has_value());
}

TEST_CASE("disk_space allows what failed produces, retention passes and recoveries wrote") {
  History h = Ten();
  Produce(h, 0, /*ok=*/false);  // a torn record may stay anywhere
  h.Add(HistoryEvent{.kind = EventKind::kRetention, .payload = "natsmq.expire"});
  h.Add(HistoryEvent{.kind = EventKind::kRecover});
  // Since id 6: the failed produce counts twice (its record anywhere, and from id 6 on).
  const uint64_t allowed = kFromSix + 2 * ((1 + kPayload) + kOverhead) + kOverhead + 2 * kOverhead;
  Files(h, 6, allowed);
  CHECK_FALSE(CheckDiskSpace(h).has_value());
  History over = Ten();
  Produce(over, 0, /*ok=*/false);
  over.Add(HistoryEvent{.kind = EventKind::kRetention, .payload = "natsmq.expire"});
  over.Add(HistoryEvent{.kind = EventKind::kRecover});
  Files(over, 6, allowed + 1);
  CHECK(CheckDiskSpace(over).has_value());
}

TEST_CASE("disk_space does not judge a first message it cannot place, nor stores without files") {
  History h;  // a failed destroy: the next acknowledged id decides; here it continues
  h.Add(HistoryEvent{.kind = EventKind::kCreateTopic, .topic = "t"});
  Produce(h, 5);
  Files(h, 3, 1'000'000);  // id 3's produce is not in the history
  CHECK_FALSE(CheckDiskSpace(h).has_value());
  History none = Ten();
  none.Add(HistoryEvent{.kind = EventKind::kReadAll, .topic = "t"});
  none.Add(HistoryEvent{.kind = EventKind::kAccounting,
                        .topic = "t",
                        .accounting = std::make_shared<const backends::StoreAccounting>()});
  CHECK_FALSE(CheckDiskSpace(none).has_value());
}

// Files shared by every topic (rocksmq's tables), judged right after a compaction: records of
// 39 + topic + payload bytes, 50 bytes per file, 2 records per topic name ever held.
void Compaction(History& h, std::vector<std::pair<std::string, MessageId>> firsts, uint64_t bytes) {
  backends::SharedFiles f;
  f.bytes = bytes;
  f.files = 2;
  f.record_overhead = kOverhead;
  f.file_overhead = 50;
  f.topic_records = 2;
  f.first_ids = std::move(firsts);
  h.Add(HistoryEvent{.kind = EventKind::kCompaction,
                     .shared_files = std::make_shared<const backends::SharedFiles>(f)});
}

// From id 6 on: 5 records of 140 bytes; 2 files; topic "t" and the destroyed "u": 2 records
// each of 39 + 1 bytes.
constexpr uint64_t kSharedFromSix = 5 * 140 + 2 * 50 + 2 * 2 * 40;  // 960

History TenAndGone() {
  History h = Ten();
  h.Add(HistoryEvent{.kind = EventKind::kCreateTopic, .topic = "u"});
  h.Add(HistoryEvent{.kind = EventKind::kDestroyTopic, .topic = "u"});
  return h;
}

TEST_CASE("disk_space: shared files holding what is still held after a compaction pass") {
  History h = TenAndGone();
  Compaction(h, {{"t", 6}}, kSharedFromSix);
  CHECK_FALSE(CheckDiskSpace(h).has_value());
  History empty = TenAndGone();  // everything deleted: only the names' records and files
  Compaction(empty, {{"t", backends::kNoMessage}}, 2 * 50 + 2 * 2 * 40);
  CHECK_FALSE(CheckDiskSpace(empty).has_value());
  History failed = TenAndGone();  // a failed produce may have been stored
  Produce(failed, 11, /*ok=*/false);
  Compaction(failed, {{"t", 6}}, kSharedFromSix + 140);
  CHECK_FALSE(CheckDiskSpace(failed).has_value());
}

TEST_CASE("disk_space fails when a compaction pass leaves deleted messages in shared files") {
  History h = TenAndGone();
  Compaction(h, {{"t", 6}}, kSharedFromSix + 1);
  const std::optional<Violation> v = CheckDiskSpace(h);
  REQUIRE(v.has_value());
  CHECK(v->property == Property::kDiskSpace);
  CHECK(v->events == std::vector<size_t>{13});
  CHECK(v->detail.find("right after a compaction") != std::string::npos);
  History empty = TenAndGone();
  Compaction(empty, {{"t", backends::kNoMessage}}, 2 * 50 + 2 * 2 * 40 + 1);
  CHECK(CheckDiskSpace(empty).has_value());
}

}  // namespace
}  // namespace mqsim::properties
