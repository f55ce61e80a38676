// RocksMQ engine tests. Every test runs twice: natively (POSIX Env, temp dir, RocksDB's own
// threads, manual clock) and inside the simulation (SimEnv, simulated disk).
#include "storage/rocksmq/rocksmq.h"

#include <catch2/catch.hpp>
#include <functional>

#include "base/buggify.h"
#include "storage/rocksmq/rocksmq_config.h"
#include "tests/engine_world.h"

namespace mqsim::rocksmq {

using testing::EngineWorld;
using Kind = EngineWorld::Kind;

namespace {

// One engine in one world, reopenable.
struct Mq {
  // tweak: adjusts every DB's RocksDB options after the world's own adjustments.
  explicit Mq(Kind kind, RocksMqOptions o = {}, std::function<void(rocksdb::Options*)> tweak = {})
      : world(EngineWorld::Make(kind)), options(o), tweak(std::move(tweak)) {
    options.path = world->Dir() + "/rdb_data";
    Reopen();
  }
  ~Mq() { mq.reset(); }
  void Reopen() {
    mq.reset();
    RocksMqHost host = world->RocksMqHost();
    if (tweak) {
      host.adjust_db_options = [world_adjust = host.adjust_db_options,
                                t = tweak](rocksdb::Options* db) {
        if (world_adjust) world_adjust(db);
        t(db);
      };
    }
    absl::StatusOr<std::unique_ptr<RocksMQ>> opened = RocksMQ::Open(options, host);
    INFO(opened.status().ToString());
    REQUIRE(opened.ok());
    mq = std::move(*opened);
  }
  RocksMQ* operator->() { return mq.get(); }

  std::unique_ptr<EngineWorld> world;
  RocksMqOptions options;
  std::function<void(rocksdb::Options*)> tweak;
  std::unique_ptr<RocksMQ> mq;
};

std::vector<MessageId> Produce(Mq& m, const std::string& topic, std::vector<std::string> p) {
  absl::StatusOr<std::vector<MessageId>> ids = m->Produce(topic, p);
  INFO(ids.status().ToString());
  REQUIRE(ids.ok());
  return *ids;
}

std::vector<std::string> Payloads(const std::vector<ConsumerMessage>& msgs) {
  std::vector<std::string> out;
  for (const auto& m : msgs) out.push_back(m.payload);
  return out;
}

std::vector<ConsumerMessage> Consume(Mq& m, const std::string& topic, const std::string& group,
                                     int n) {
  absl::StatusOr<std::vector<ConsumerMessage>> got = m->Consume(topic, group, n);
  INFO(got.status().ToString());
  REQUIRE(got.ok());
  return *got;
}

std::vector<std::string> Numbered(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

Kind AnyWorld() { return GENERATE(Kind::kNative, Kind::kSimulated); }

}  // namespace

TEST_CASE("Produce and consume in order, ids strictly increasing") {
  Mq m(AnyWorld());
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  const std::vector<MessageId> a = Produce(m, "t", {"a", "b"});
  const std::vector<MessageId> b = Produce(m, "t", {"c"});
  REQUIRE(a.size() == 2);
  CHECK(a[1] == a[0] + 1);  // consecutive within a batch
  CHECK(b[0] > a[1]);
  const auto got = Consume(m, "t", "g", 10);
  CHECK(Payloads(got) == std::vector<std::string>{"a", "b", "c"});
  CHECK(got[2].id == b[0]);
  CHECK(Consume(m, "t", "g", 10).empty());  // non-blocking
  CHECK(*m->GetLatestMsg("t") == b[0]);
}

TEST_CASE("Consumer group errors: duplicate, unknown, missing topic") {
  Mq m(AnyWorld());
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  const absl::Status dup = m->CreateConsumerGroup("t", "g");
  CHECK(absl::IsAlreadyExists(dup));
  CHECK(std::string(dup.message()).find("already exists") != std::string::npos);
  CHECK(absl::IsNotFound(m->CreateConsumerGroup("missing", "g")));
  CHECK(absl::IsNotFound(m->Consume("t", "nobody", 1).status()));
  CHECK(absl::IsNotFound(m->Seek("t", "nobody", 1)));
  CHECK(absl::IsNotFound(m->Produce("missing", std::vector<std::string>{"x"}).status()));
  CHECK(*m->ExistConsumerGroup("t", "g"));
  CHECK_FALSE(*m->ExistConsumerGroup("t", "h"));
  CHECK(m->DestroyConsumerGroup("t", "h").ok());  // unknown group: not an error
  CHECK(m->DestroyConsumerGroup("t", "g").ok());
  CHECK_FALSE(*m->ExistConsumerGroup("t", "g"));
}

TEST_CASE("Many groups each read everything") {
  Mq m(AnyWorld());
  REQUIRE(m->CreateTopic("t").ok());
  Produce(m, "t", Numbered("m", 0, 10));
  for (int g = 0; g < 5; ++g) {
    const std::string group = "group" + std::to_string(g);
    REQUIRE(m->CreateConsumerGroup("t", group).ok());
    CHECK(Payloads(Consume(m, "t", group, 100)) == Numbered("m", 0, 10));
  }
}

TEST_CASE("Seek to a middle id, backwards, to a missing id and beyond latest") {
  Mq m(AnyWorld());
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  const std::vector<MessageId> ids = Produce(m, "t", Numbered("m", 0, 10));
  REQUIRE(m->Seek("t", "g", ids[5]).ok());
  CHECK(Payloads(Consume(m, "t", "g", 2)) == std::vector<std::string>{"m5", "m6"});
  REQUIRE(m->Seek("t", "g", ids[1]).ok());  // backwards rewinds (Milvus panicked here)
  CHECK(Payloads(Consume(m, "t", "g", 1)) == std::vector<std::string>{"m1"});
  REQUIRE(m->Seek("t", "g", ids[9] + 1000).ok());  // beyond latest: latest + 1
  CHECK(Consume(m, "t", "g", 10).empty());
  const std::vector<MessageId> more = Produce(m, "t", {"next"});
  CHECK(Payloads(Consume(m, "t", "g", 10)) == std::vector<std::string>{"next"});
  CHECK(more[0] == ids[9] + 1);
  CHECK(absl::IsInvalidArgument(m->Seek("t", "g", -5)));
}

TEST_CASE("100 single and 100 batched produces are consumed in order") {
  Mq m(AnyWorld());
  REQUIRE(m->CreateTopic("loop").ok());
  REQUIRE(m->CreateConsumerGroup("loop", "g").ok());
  for (int i = 0; i < 100; ++i) Produce(m, "loop", {"message_" + std::to_string(i)});
  std::vector<std::string> batch = Numbered("message_", 100, 200);
  Produce(m, "loop", batch);
  CHECK(Payloads(Consume(m, "loop", "g", 100)) == Numbered("message_", 0, 100));
  for (int i = 100; i < 200; ++i) {
    const auto one = Consume(m, "loop", "g", 1);
    REQUIRE(one.size() == 1);
    CHECK(one[0].payload == "message_" + std::to_string(i));
  }
  CHECK(Consume(m, "loop", "g", 1).empty());
}

TEST_CASE("Topics sharing a name prefix do not interfere") {
  Mq m(AnyWorld());
  REQUIRE(m->CreateTopic("channel_tes").ok());
  REQUIRE(m->CreateTopic("channel_test").ok());
  const auto short_ids = Produce(m, "channel_tes", {"a", "b", "c"});
  const auto long_ids = Produce(m, "channel_test", {"x"});
  CHECK(*m->GetLatestMsg("channel_tes") == short_ids[2]);
  CHECK(*m->GetLatestMsg("channel_test") == long_ids[0]);
  REQUIRE(m->CreateConsumerGroup("channel_tes", "g").ok());
  REQUIRE(m->CreateConsumerGroup("channel_test", "g").ok());
  REQUIRE(m->SeekToLatest("channel_tes", "g").ok());
  REQUIRE(m->SeekToLatest("channel_test", "g").ok());
  Produce(m, "channel_test", {"y"});
  CHECK(Consume(m, "channel_tes", "g", 10).empty());
  CHECK(Payloads(Consume(m, "channel_test", "g", 10)) == std::vector<std::string>{"y"});
  CHECK(absl::IsNotFound(m->GetLatestMsg("channel_te").status()));
}

TEST_CASE("Consume reads the same messages from memtables and from flushed files") {
  // 64 KiB memtables: while one group reads along in small steps, messages move from the
  // memtables to SST files under it; a group that starts over reads them all back from
  // the files. A neighbour topic sharing the name prefix is written in between.
  Mq m(AnyWorld(), {}, [](rocksdb::Options* db) { db->write_buffer_size = 64 << 10; });
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateTopic("t_1").ok());
  REQUIRE(m->CreateConsumerGroup("t", "follow").ok());
  std::vector<std::string> all;
  std::vector<MessageId> ids;
  std::vector<std::string> followed;
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> batch = Numbered("r" + std::to_string(round) + "-", 0, 10);
    for (std::string& p : batch) p.resize(100, '.');
    for (MessageId id : Produce(m, "t", batch)) ids.push_back(id);
    all.insert(all.end(), batch.begin(), batch.end());
    Produce(m, "t_1", {std::string(300, 'n')});
    for (const std::string& p : Payloads(Consume(m, "t", "follow", 7))) followed.push_back(p);
  }
  for (;;) {
    const auto got = Payloads(Consume(m, "t", "follow", 64));
    if (got.empty()) break;
    followed.insert(followed.end(), got.begin(), got.end());
  }
  CHECK(followed == all);
  REQUIRE(m->CreateConsumerGroup("t", "again").ok());
  std::vector<std::string> again;
  for (;;) {
    const auto got = Payloads(Consume(m, "t", "again", 333));
    if (got.empty()) break;
    again.insert(again.end(), got.begin(), got.end());
  }
  CHECK(again == all);
  for (size_t k : {size_t{0}, size_t{1234}, all.size() - 3}) {
    REQUIRE(m->Seek("t", "again", ids[k]).ok());
    const auto got = Consume(m, "t", "again", 5);
    REQUIRE_FALSE(got.empty());
    CHECK(got.front().id == ids[k]);
    CHECK(got.front().payload == all[k]);
  }
}

TEST_CASE("Empty and zero-length payloads are messages too; an empty batch is an error") {
  Mq m(AnyWorld());
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  Produce(m, "t", {"", "x", ""});
  CHECK(Payloads(Consume(m, "t", "g", 10)) == std::vector<std::string>{"", "x", ""});
  CHECK(absl::IsInvalidArgument(m->Produce("t", std::vector<std::string>{}).status()));
}

TEST_CASE("SeekToLatest skips what exists; on an empty topic it waits for the next message") {
  Mq m(AnyWorld());
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  REQUIRE(m->SeekToLatest("t", "g").ok());
  CHECK(*m->GetLatestMsg("t") == -1);
  Produce(m, "t", {"first"});
  CHECK(Payloads(Consume(m, "t", "g", 10)) == std::vector<std::string>{"first"});
  Produce(m, "t", {"a", "b"});
  REQUIRE(m->SeekToLatest("t", "g").ok());
  CHECK(Consume(m, "t", "g", 10).empty());
}

TEST_CASE("Every operation fails cleanly after Close") {
  Mq m(AnyWorld());
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  REQUIRE(m->Close().ok());
  auto closed = [](const absl::Status& s) {
    return absl::IsFailedPrecondition(s) &&
           std::string(s.message()).find("not serving") != std::string::npos;
  };
  CHECK(closed(m->CreateTopic("u")));
  CHECK(closed(m->DestroyTopic("t")));
  CHECK(closed(m->Produce("t", std::vector<std::string>{"x"}).status()));
  CHECK(closed(m->CreateConsumerGroup("t", "h")));
  CHECK(closed(m->DestroyConsumerGroup("t", "g")));
  CHECK(closed(m->ExistConsumerGroup("t", "g").status()));
  CHECK(closed(m->Consume("t", "g", 1).status()));
  CHECK(closed(m->Seek("t", "g", 1)));
  CHECK(closed(m->SeekToLatest("t", "g")));
  CHECK(closed(m->GetLatestMsg("t").status()));
  CHECK(closed(m->RunRetention()));
  CHECK(closed(m->Compact()));
  CHECK(closed(m->Close()));
}

TEST_CASE("Invalid topic names are rejected with a clear error") {
  Mq m(AnyWorld());
  for (const std::string& bad : std::vector<std::string>{"", "a/b", "/", "channel/dummy"}) {
    const absl::Status s = m->CreateTopic(bad);
    CHECK(absl::IsInvalidArgument(s));
    CHECK(std::string(s.message()).find("topic name") != std::string::npos);
  }
  CHECK(absl::IsInvalidArgument(m->Produce("a/b", std::vector<std::string>{"x"}).status()));
  std::string long_name;
  for (int i = 0; i < 100; ++i) long_name += "channel_dummy";  // 1300 bytes: fine, as in Milvus
  CHECK(m->CreateTopic(long_name).ok());
}

TEST_CASE("DestroyTopic deletes the data: a re-created topic starts empty, ids continue") {
  Mq m(AnyWorld());
  REQUIRE(m->CreateTopic("t").ok());
  const auto old_ids = Produce(m, "t", {"old1", "old2"});
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  REQUIRE(m->DestroyTopic("t").ok());
  CHECK_FALSE(m->ExistTopic("t"));
  REQUIRE(m->CreateTopic("t").ok());
  CHECK_FALSE(*m->ExistConsumerGroup("t", "g"));
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  CHECK(Consume(m, "t", "g", 10).empty());
  CHECK(*m->GetLatestMsg("t") == -1);
  const auto new_ids = Produce(m, "t", {"new"});
  CHECK(new_ids[0] > old_ids[1]);
  CHECK(Payloads(Consume(m, "t", "g", 10)) == std::vector<std::string>{"new"});
}

// ------------------------------------------------------------------ retention

namespace {

RocksMqOptions TinyPages(double retention_minutes, int64_t retention_mb) {
  RocksMqOptions o;
  o.page_size_bytes = 10;
  o.retention_time_minutes = retention_minutes;
  o.retention_size_mb = retention_mb;
  o.ticker_interval_s = 60;
  return o;
}

size_t CountMessages(Mq& m, const std::string& topic) {
  const std::string probe = "count-probe";
  REQUIRE(m->CreateConsumerGroup(topic, probe).ok());
  size_t n = Consume(m, topic, probe, 1'000'000).size();
  REQUIRE(m->DestroyConsumerGroup(topic, probe).ok());
  return n;
}

}  // namespace

TEST_CASE("Retention empties a fully consumed topic, keeping only the open page") {
  Mq m(AnyWorld(), TinyPages(/*minutes=*/1, /*mb=*/-1));
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  for (int i = 0; i < 30; ++i) Produce(m, "t", {"1234"});  // 4 bytes: a page per 3
  CHECK(Consume(m, "t", "g", 100).size() == 30);
  m.world->Advance(sim::Duration::Minutes(2));
  REQUIRE(m->RunRetention().ok());
  const TopicStats s = *m->Stats("t");
  CHECK(s.pages.empty());
  CHECK(s.first_id == -1);  // the 30th message closed the last page
  CHECK(CountMessages(m, "t") == 0);
}

// The bytes of the message database's table files.
uint64_t SstBytes(Mq& m) {
  std::vector<std::string> names;
  auto fs = m.world->FileSystem();
  REQUIRE(fs->GetChildren(m.options.path, rocksdb::IOOptions(), &names, nullptr).ok());
  uint64_t total = 0;
  for (const std::string& name : names) {
    if (!name.ends_with(".sst")) continue;
    uint64_t size = 0;
    REQUIRE(
        fs->GetFileSize(m.options.path + "/" + name, rocksdb::IOOptions(), &size, nullptr).ok());
    total += size;
  }
  return total;
}

TEST_CASE("Compaction reclaims what retention deleted, even once the producers are quiet") {
  // A memtable large enough that nothing flushes on its own: the deletions of the retention
  // pass stay in it unless the compaction flushes first, as Milvus's CompactRange does.
  Mq m(AnyWorld(), TinyPages(/*minutes=*/1, /*mb=*/-1),
       [](rocksdb::Options* db) { db->write_buffer_size = 64 << 20; });
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  uint64_t x = 1;  // payloads that do not compress
  for (int i = 0; i < 200; ++i) {
    std::string p(1000, '\0');
    for (char& c : p) c = static_cast<char>((x = x * 6364136223846793005ULL + 1) >> 56);
    Produce(m, "t", {p});
  }
  REQUIRE(m->Compact().ok());
  CHECK(SstBytes(m) > 200'000);  // the messages are in table files now
  CHECK(Consume(m, "t", "g", 1000).size() == 200);
  m.world->Advance(sim::Duration::Minutes(2));
  REQUIRE(m->RunRetention().ok());
  REQUIRE(m->Compact().ok());
  CHECK(SstBytes(m) < 10'000);
  CHECK(CountMessages(m, "t") == 0);
}

TEST_CASE("Retention never touches an unconsumed topic") {
  Mq m(AnyWorld(), TinyPages(0, 0));
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  for (int i = 0; i < 30; ++i) Produce(m, "t", {"1234"});
  m.world->Advance(sim::Duration::Hours(10));
  REQUIRE(m->RunRetention().ok());
  CHECK(m->Stats("t")->pages.size() == 10);
  CHECK(CountMessages(m, "t") == 30);
  // A topic without groups acks nothing either.
  REQUIRE(m->CreateTopic("nogroups").ok());
  for (int i = 0; i < 30; ++i) Produce(m, "nogroups", {"1234"});
  REQUIRE(m->RunRetention().ok());
  CHECK(m->Stats("nogroups")->pages.size() == 10);
}

TEST_CASE("Retention of a partially consumed topic keeps exactly the unacked pages") {
  Mq m(AnyWorld(), TinyPages(0, 0));
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateConsumerGroup("t", "fast").ok());
  REQUIRE(m->CreateConsumerGroup("t", "slow").ok());
  std::vector<MessageId> ids;
  for (int i = 0; i < 30; ++i) ids.push_back(Produce(m, "t", {"1234"})[0]);
  Consume(m, "t", "fast", 30);
  Consume(m, "t", "slow", 7);  // pages end at messages 3, 6, 9, ...: two pages read past
  m.world->Advance(sim::Duration::Minutes(1));
  REQUIRE(m->RunRetention().ok());
  const TopicStats s = *m->Stats("t");
  REQUIRE(s.pages.size() == 8);
  CHECK(s.pages.front().last_id == ids[8]);
  CHECK(s.first_id == ids[6]);
  // The slow group still gets every message it has not read.
  CHECK(Payloads(Consume(m, "t", "slow", 100)).size() == 23);
}

TEST_CASE("A group sitting exactly on a page's last id does not ack it") {
  Mq m(AnyWorld(), TinyPages(0, 0));
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  std::vector<MessageId> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(Produce(m, "t", {"1234"})[0]);
  REQUIRE(m->Seek("t", "g", ids[2]).ok());  // next to read: the first page's last message
  m.world->Advance(sim::Duration::Minutes(1));
  REQUIRE(m->RunRetention().ok());
  CHECK(m->Stats("t")->pages.size() == 2);
  CHECK(Consume(m, "t", "g", 1)[0].id == ids[2]);
}

TEST_CASE("Size rule keeps acked bytes between the limit and the limit plus one page") {
  RocksMqOptions o;
  o.page_size_bytes = 100 << 10;  // 100 KiB pages
  o.retention_time_minutes = -1;
  o.retention_size_mb = 1;
  Mq m(AnyWorld(), o);
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  const std::string payload(10 << 10, 'p');  // 10 KiB: a page per 10 messages
  for (int i = 0; i < 300; ++i) Produce(m, "t", {payload});
  Consume(m, "t", "g", 1000);
  REQUIRE(m->RunRetention().ok());
  uint64_t acked = 0;
  const TopicStats stats = *m->Stats("t");
  for (const PageInfo& p : stats.pages) acked += p.record.bytes;
  CHECK(acked > (1u << 20));
  CHECK(acked <= (1u << 20) + 110 * 1024);
  const size_t pages_after_first_pass = m->Stats("t")->pages.size();
  REQUIRE(m->RunRetention().ok());  // stable: a second pass deletes nothing more
  CHECK(m->Stats("t")->pages.size() == pages_after_first_pass);
}

TEST_CASE("The open page is never deleted") {
  Mq m(AnyWorld(), TinyPages(0, 0));
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  for (int i = 0; i < 4; ++i) Produce(m, "t", {"1234"});  // 1 closed page + 1 open
  Consume(m, "t", "g", 10);
  m.world->Advance(sim::Duration::Hours(1));
  REQUIRE(m->RunRetention().ok());
  const TopicStats s = *m->Stats("t");
  CHECK(s.pages.empty());
  CHECK(s.open_page_bytes == 4);
  CHECK(CountMessages(m, "t") == 1);
}

TEST_CASE("The time rule deletes at the first retention tick after ack time + retention") {
  RocksMqOptions o = TinyPages(/*minutes=*/30, /*mb=*/-1);
  o.ticker_interval_s = 600;  // ticks at 10, 20, 30, 40, 50 min ...
  Mq m(AnyWorld(), o);
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  m.world->StartJobs(m->PeriodicJobs());
  m.world->Advance(sim::Duration::Minutes(5));
  for (int i = 0; i < 3; ++i) Produce(m, "t", {"1234"});
  Consume(m, "t", "g", 10);  // acked at 5 min: deletable after 35 min, so at the 40 min tick
  const int64_t acked_ms = m->Stats("t")->pages.at(0).record.ack_ms;
  CHECK(acked_ms == m.world->NowMs());
  m.world->Advance(sim::Duration::Minutes(34));  // t = 39 min
  CHECK(m->Stats("t")->pages.size() == 1);
  m.world->Advance(sim::Duration::Seconds(59));  // t = 39:59
  CHECK(m->Stats("t")->pages.size() == 1);
  m.world->Advance(sim::Duration::Seconds(2));  // t = 40:01, the 40 min tick ran
  CHECK(m->Stats("t")->pages.empty());
  m.world->StopJobs();
}

TEST_CASE("A retention pass BUGGIFY cuts to one page leaves the rest to the next, never two") {
  // Every BUGGIFY site fires: the first pass deletes one page, the second everything due.
  struct AlwaysFire : base::BuggifySource {
    bool Fire(const char*) override { return true; }
  } always;
  base::SetBuggifySource(&always);
  struct Unset {
    ~Unset() { base::SetBuggifySource(nullptr); }
  } unset;
  Mq m(Kind::kSimulated, TinyPages(0, -1));
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  for (int i = 0; i < 19; ++i) Produce(m, "t", {"1234"});  // 6 closed pages of 3 + 1 open
  Consume(m, "t", "g", 100);
  m.world->Advance(sim::Duration::Seconds(1));
  REQUIRE(m->Stats("t")->pages.size() == 6);
  REQUIRE(m->RunRetention().ok());
  CHECK(m->Stats("t")->pages.size() == 5);
  REQUIRE(m->RunRetention().ok());
  CHECK(m->Stats("t")->pages.empty());
  CHECK(CountMessages(m, "t") == 1);
}

// ------------------------------------------------------------------ restart

TEST_CASE("Reopen keeps topics, and ids keep increasing even after retention emptied them") {
  Mq m(AnyWorld(), TinyPages(0, 0));
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  std::vector<MessageId> ids;
  for (int i = 0; i < 9; ++i) ids.push_back(Produce(m, "t", {"1234"})[0]);
  Consume(m, "t", "g", 100);
  m.world->Advance(sim::Duration::Minutes(1));
  REQUIRE(m->RunRetention().ok());
  REQUIRE(m->Stats("t")->first_id == -1);  // every message retained away
  m.Reopen();
  CHECK(m->ExistTopic("t"));
  CHECK_FALSE(*m->ExistConsumerGroup("t", "g"));  // groups live in memory, as in Milvus
  CHECK(*m->GetLatestMsg("t") == -1);
  const auto after = Produce(m, "t", {"after restart"});
  CHECK(after[0] == ids.back() + 1);  // clean restart: no gap
  m.Reopen();
  const auto again = Produce(m, "t", {"x"});
  CHECK(again[0] > after[0]);
}

// ------------------------------------------------------------------ unclean stops

namespace {

// The process dies: nothing is closed cleanly (no final checkpoint); the page cache stays.
void CrashEngine(Mq& m) {
  sim::SimFileSystem& disk = *m.world->sim_disk();
  m.world->StopJobs();
  disk.PowerOff();
  m.mq.reset();
  disk.PowerOn();
  disk.CrashProcess();
}

std::string Describe(const TopicStats& s) {
  std::string out = "first " + std::to_string(s.first_id) + " last " + std::to_string(s.last_id) +
                    " hwm " + std::to_string(s.high_water_mark) + " open " +
                    std::to_string(s.open_page_bytes) + " pages";
  for (const PageInfo& p : s.pages) {
    out += " [" + std::to_string(p.record.first_id) + ".." + std::to_string(p.last_id) + " " +
           std::to_string(p.record.bytes) + "B]";
  }
  return out;
}

}  // namespace

TEST_CASE("A crash between checkpoints recovers the open page and high-water mark exactly") {
  Mq m(Kind::kSimulated, [] {
    RocksMqOptions o;
    o.page_size_bytes = 3 << 20;
    return o;
  }());
  REQUIRE(m->CreateTopic("t").ok());
  // Phases: below both checkpoint thresholds; past 1024 messages; past 1 MiB in fewer
  // messages; across a page close; then a few more.
  const std::pair<int, size_t> phases[] = {{50, 100}, {120, 100}, {70, 2000}, {200, 20000}, {3, 7}};
  size_t total = 0;
  for (const auto& [batches, size] : phases) {
    for (int b = 0; b < batches; ++b) {
      Produce(m, "t", std::vector<std::string>(10, std::string(size, 'p')));
    }
    total += static_cast<size_t>(batches) * 10;
    const std::string before = Describe(*m->Stats("t"));
    CrashEngine(m);
    m.Reopen();
    CHECK(Describe(*m->Stats("t")) == before);
    REQUIRE(m->CreateConsumerGroup("t", "all").ok());
    CHECK(Consume(m, "t", "all", 1'000'000).size() == total);
    REQUIRE(m->DestroyConsumerGroup("t", "all").ok());
  }
  CHECK(m->Stats("t")->pages.size() >= 1);
}

TEST_CASE("After a power loss the open page counts exactly the messages that survived") {
  Mq m(Kind::kSimulated);
  REQUIRE(m->CreateTopic("t").ok());
  for (int b = 0; b < 125; ++b) Produce(m, "t", Numbered("m", b * 10, b * 10 + 10));
  // A destroy is a synced write: the WAL holds these 1250 messages durably (a checkpoint
  // at 1024 and 226 after it); the next 1300 are lost with the power.
  REQUIRE(m->CreateTopic("other").ok());
  REQUIRE(m->DestroyTopic("other").ok());
  for (int b = 125; b < 255; ++b) Produce(m, "t", Numbered("m", b * 10, b * 10 + 10));
  CrashEngine(m);
  m.world->sim_disk()->PowerLoss(sim::PowerLossMode::kDropUnsynced);
  m.Reopen();
  const TopicStats s = *m->Stats("t");
  REQUIRE(m->CreateConsumerGroup("t", "g").ok());
  const std::vector<ConsumerMessage> left = Consume(m, "t", "g", 1'000'000);
  uint64_t bytes = 0;
  for (const ConsumerMessage& c : left) bytes += c.payload.size();
  INFO(Describe(s));
  CHECK(left.size() >= 1250);
  CHECK(s.pages.empty());
  CHECK(s.open_page_bytes == bytes);
  CHECK(s.high_water_mark == (left.empty() ? 0 : left.back().id));
}

// Acknowledged unsynced messages lost with the power leave the high-water mark below ids
// that were handed out. A clean stop or a destroy afterwards must not give those ids back.
TEST_CASE("Ids lost in a power loss are not handed out again after a clean stop or a destroy") {
  const bool destroy = GENERATE(false, true);
  Mq m(Kind::kSimulated);
  REQUIRE(m->CreateTopic("t").ok());
  REQUIRE(m->CreateTopic("other").ok());
  Produce(m, "t", Numbered("m", 0, 10));
  REQUIRE(m->DestroyTopic("other").ok());  // a synced write: the first 10 are durable
  const MessageId lost = Produce(m, "t", Numbered("m", 10, 20)).back();
  CrashEngine(m);
  m.world->sim_disk()->PowerLoss(sim::PowerLossMode::kDropUnsynced);
  m.Reopen();
  REQUIRE(m->Stats("t")->high_water_mark < lost);
  if (destroy) {
    REQUIRE(m->DestroyTopic("t").ok());
    REQUIRE(m->CreateTopic("t").ok());
  }
  REQUIRE(m->Close().ok());
  m.Reopen();
  CHECK(Produce(m, "t", {"after"}).front() > lost);
}

// ------------------------------------------------------------------ config

TEST_CASE("rocksmq config: defaults, every key, produceSync") {
  auto defaults = ParseRocksMqConfigText("common: {}\n", "milvus.yaml");
  REQUIRE(defaults.ok());
  CHECK(defaults->path == "/var/lib/milvus/rdb_data");
  CHECK(defaults->page_size_bytes == 67108864);
  CHECK(defaults->retention_time_minutes == 4320);
  CHECK(defaults->retention_size_mb == 8192);
  CHECK(defaults->compaction_interval_s == 86400);
  CHECK(defaults->ticker_interval_s == 600);
  CHECK(defaults->compression_types == std::vector<int>{0, 0, 7, 7, 7});
  CHECK(defaults->lru_cache_ratio == Approx(0.06));
  auto all = ParseRocksMqConfigText(R"(
rocksmq:
  path: /data/rdb
  lrucacheratio: 0.1
  rocksmqPageSize: 1024
  retentionTimeInMinutes: 0.5
  retentionSizeInMB: -1
  compactionInterval: 60
  timtickerInterval: 5
  compressionTypes: 0,7,7
  produceSync: true
)",
                                    "milvus.yaml");
  INFO(all.status().ToString());
  REQUIRE(all.ok());
  CHECK(all->path == "/data/rdb");
  CHECK(all->retention_time_minutes == 0.5);
  CHECK(all->retention_size_mb == -1);
  CHECK(all->compression_types == std::vector<int>{0, 7, 7});
  CHECK(all->produce_sync);
  auto list = ParseRocksMqConfigText("rocksmq:\n  compressionTypes: [0, 0, 7]\n", "m.yaml");
  REQUIRE(list.ok());
  CHECK(list->compression_types == std::vector<int>{0, 0, 7});
}

TEST_CASE("rocksmq config errors name the file, line and key") {
  auto error = [](const std::string& yaml) {
    auto r = ParseRocksMqConfigText(yaml, "milvus.yaml");
    REQUIRE_FALSE(r.ok());
    return std::string(r.status().message());
  };
  CHECK(error("rocksmq:\n  compressionTypes: invalid,1\n") ==
        "milvus.yaml:2: rocksmq.compressionTypes: compressionTypes: \"invalid\" is not a number");
  CHECK(error("rocksmq:\n  compressionTypes: -1,-1\n") ==
        "milvus.yaml:2: rocksmq.compressionTypes: -1 is not supported (0 = none, 7 = zstd)");
  CHECK(error("rocksmq:\n  path: /x\n  rocksmqPageSise: 10\n") ==
        "milvus.yaml:3: rocksmq.rocksmqPageSise: unknown key (did you mean \"rocksmqPageSize\"?)");
  // Milvus matches keys ignoring case and '_': this one is rocksmqPageSize.
  CHECK(ParseRocksMqConfigText("rocksmq:\n  rocksmqPagesize: 10\n", "m.yaml")->page_size_bytes ==
        10);
  CHECK(error("rocksmq:\n  retentionSizeInMB: lots\n") ==
        "milvus.yaml:2: rocksmq.retentionSizeInMB: expected an integer, got \"lots\"");
  CHECK(error("rocksmq:\n  rocksmqPageSize: 0\n").find("rocksmqPageSize must be positive") !=
        std::string::npos);
  CHECK(error("rocksmq: [1, 2\n").find("milvus.yaml:") == 0);
}

TEST_CASE("lrucacheratio gives a block cache clamped to [512 MiB, 4 GiB]") {
  CHECK(BlockCacheBytes(0.06, 1ULL << 30) == 512ULL << 20);
  CHECK(BlockCacheBytes(0.06, 32ULL << 30) == static_cast<uint64_t>(0.06 * (32ULL << 30)));
  CHECK(BlockCacheBytes(0.5, 64ULL << 30) == 4ULL << 30);
}

}  // namespace mqsim::rocksmq
