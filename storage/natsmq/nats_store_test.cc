// natsmq store tests: nats-server 2.9.10's observable behaviour (natsmq.md), run natively
// (POSIX file system, temp dir, manual clock) and simulated; recovery and disk faults on
// the simulated disk.
#include "storage/natsmq/nats_store.h"

#include <fiu-control.h>
#include <fiu.h>
#include <xxhash.h>

#include <catch2/catch.hpp>
#include <initializer_list>
#include <map>

#include "storage/file_io.h"
#include "storage/natsmq/fault_points.h"
#include "storage/natsmq/js_error.h"
#include "storage/natsmq/natsmq_config.h"
#include "storage/natsmq/record.h"
#include "tests/engine_world.h"

namespace mqsim::natsmq {

using testing::EngineWorld;
using Kind = EngineWorld::Kind;

namespace {

// A process crash of the store: its object goes while the disk is powered off, so its
// teardown writes nothing (a destructor would otherwise close the store cleanly).
struct Nats;
void CrashStore(Nats& n);

struct Nats {
  explicit Nats(Kind kind, NatsMqOptions o = {}) : world(EngineWorld::Make(kind)), options(o) {
    options.store_dir = world->Dir() + "/nats";
    Reopen();
  }
  ~Nats() {
    world->StopJobs();
    store.reset();
  }
  void Reopen() {
    world->StopJobs();
    store.reset();
    absl::StatusOr<std::unique_ptr<NatsStore>> opened = TryOpen();
    INFO(opened.status().ToString());
    REQUIRE(opened.ok());
    store = std::move(*opened);
    world->StartJobs(store->PeriodicJobs());
  }
  absl::StatusOr<std::unique_ptr<NatsStore>> TryOpen() {
    return NatsStore::Open(options, NatsHost{world->FileSystem(), world->Clock(), world->Waker()});
  }
  NatsStore* operator->() { return store.get(); }
  StreamState State(const std::string& name) {
    absl::StatusOr<StreamState> s = store->GetStreamState(name);
    REQUIRE(s.ok());
    return *s;
  }
  uint64_t Pub(const std::string& subject, const std::string& payload, const Headers& h = {}) {
    absl::StatusOr<uint64_t> seq = store->Publish(subject, payload, h);
    INFO(seq.status().ToString());
    REQUIRE(seq.ok());
    return *seq;
  }

  std::unique_ptr<EngineWorld> world;
  NatsMqOptions options;
  std::unique_ptr<NatsStore> store;
};

StreamConfig Stream(const std::string& name) {
  StreamConfig c;
  c.name = name;
  return c;
}

void CrashStore(Nats& n) {
  sim::SimFileSystem& disk = *n.world->sim_disk();
  n.world->StopJobs();
  disk.PowerOff();
  n.store.reset();
  disk.PowerOn();
  disk.CrashProcess();
}

Kind AnyWorld() { return GENERATE(Kind::kNative, Kind::kSimulated); }

std::vector<uint64_t> Seqs(const std::vector<StoredMsg>& msgs) {
  std::vector<uint64_t> out;
  for (const auto& m : msgs) out.push_back(m.seq);
  return out;
}

}  // namespace

TEST_CASE("Block size per stream, as nats-server 2.9 picks it from MaxBytes") {
  StreamConfig c = Stream("s");
  CHECK(BlockSizeFor(c) == 8u << 20);  // no MaxBytes
  c.max_bytes = 65536;                 // 16385, rounded up: 16400
  CHECK(BlockSizeFor(c) == 32'000);
  c.max_bytes = 127'996;  // 31,999 + 1 = 32,000 exactly
  CHECK(BlockSizeFor(c) == 32'000);
  c.max_bytes = 128'000;  // 32,001 -> 32,100: between the two, so the medium size
  CHECK(BlockSizeFor(c) == 4u << 20);
  c.max_bytes = int64_t{32} << 20;  // 8 MB + 1 -> the large size
  CHECK(BlockSizeFor(c) == 8u << 20);
  NatsMqOptions fixed;
  fixed.block_size_bytes = 2048;
  CHECK(fixed.BlockSizeOf(c) == 2048);
  CHECK(NatsMqOptions{}.BlockSizeOf(c) == 8u << 20);

  // A stream with MaxBytes 65536 rolls over near 32,000 bytes.
  Nats n(Kind::kSimulated);
  StreamConfig limited = Stream("b");
  limited.max_bytes = 65536;
  REQUIRE(n->AddStream(limited).ok());
  for (int i = 0; i < 40; ++i) n.Pub("b", std::string(1000, 'a'));  // 1,031 bytes each
  const std::string dir = n.options.store_dir + "/jetstream/b/msgs/";
  sim::SimFileSystem& disk = *n.world->sim_disk();
  CHECK(disk.Exists(dir + "2.blk"));
  CHECK_FALSE(disk.Exists(dir + "3.blk"));
  CHECK(n.State("b").msgs == 40);
}

TEST_CASE("MaxMsgs=5 with 8 publishes leaves seq 4..8 and 165 bytes") {
  Nats n(AnyWorld());
  StreamConfig c = Stream("a");
  c.max_msgs = 5;
  REQUIRE(n->AddStream(c).ok());
  for (int i = 1; i <= 8; ++i)
    CHECK(n.Pub("a", "m" + std::to_string(i)) == static_cast<uint64_t>(i));
  const StreamState s = n.State("a");
  CHECK(s.msgs == 5);
  CHECK(s.first_seq == 4);
  CHECK(s.last_seq == 8);
  CHECK(s.bytes == 165);
  CHECK(n->GetMsg("a", 4)->payload == "m4");
}

TEST_CASE("Byte accounting: 30 + subject + payload; 34 + subject + headers + payload") {
  Nats n(AnyWorld());
  REQUIRE(n->AddStream(Stream("r")).ok());
  n.Pub("r", std::string(1024, 'x'));
  CHECK(n.State("r").bytes == 1055);
  REQUIRE(n->AddStream(Stream("hdr")).ok());
  n.Pub("hdr", "payload", {{"k", "v"}});  // header block "NATS/1.0\r\nk: v\r\n\r\n" = 18
  CHECK(n.State("hdr").bytes == 34 + 3 + 18 + 7);
  const StoredMsg m = *n->GetMsg("hdr", 1);
  CHECK(m.headers == "NATS/1.0\r\nk: v\r\n\r\n");
  CHECK(m.payload == "payload");
  CHECK(m.subject == "hdr");
}

TEST_CASE("MaxBytes evicts oldest; one message above MaxBytes empties the stream") {
  Nats n(AnyWorld());
  StreamConfig c = Stream("b");
  c.max_bytes = 200;
  REQUIRE(n->AddStream(c).ok());
  for (int i = 0; i < 10; ++i) n.Pub("b", std::string(19, 'p'));  // 50 bytes each
  StreamState s = n.State("b");
  CHECK(s.msgs == 4);
  CHECK(s.bytes == 200);
  CHECK(s.first_seq == 7);
  const uint64_t big = n.Pub("b", std::string(500, 'B'));  // acked, then evicted
  s = n.State("b");
  CHECK(big == 11);
  CHECK(s.msgs == 0);
  CHECK(s.bytes == 0);
  CHECK(s.first_seq == s.last_seq + 1);
  CHECK(n.Pub("b", "x") == 12);
}

TEST_CASE("DiscardNew rejects with 10077, by count and by bytes") {
  Nats n(AnyWorld());
  StreamConfig c = Stream("dn");
  c.max_msgs = 3;
  c.discard = Discard::kNew;
  REQUIRE(n->AddStream(c).ok());
  for (int i = 0; i < 3; ++i) n.Pub("dn", "x");
  absl::StatusOr<uint64_t> r = n->Publish("dn", "x");
  REQUIRE_FALSE(r.ok());
  CHECK(JsErrorCode(r.status()) == 10077);
  CHECK(std::string(r.status().message()).find("maximum messages exceeded") == 0);
  CHECK(n.State("dn").last_seq == 3);  // a failed publish uses no sequence
  StreamConfig b = Stream("db");
  b.max_bytes = 100;
  b.discard = Discard::kNew;
  REQUIRE(n->AddStream(b).ok());
  n.Pub("db", std::string(50, 'x'));   // 30 + 2 + 50 = 82
  r = n->Publish("db", "0123456789");  // 82 + 42 > 100
  CHECK(JsErrorCode(r.status()) == 10077);
  CHECK(std::string(r.status().message()).find("maximum bytes exceeded") == 0);
}

TEST_CASE("Limits on sizes and ages: 10052, 10054, maxPayload, 10047, 10023") {
  NatsMqOptions o;
  o.max_payload_bytes = 1000;
  o.max_file_store_bytes = 10'000;
  Nats n(AnyWorld(), o);
  StreamConfig young = Stream("y");
  young.max_age_ns = 50'000'000;
  CHECK(JsErrorCode(n->AddStream(young)) == 10052);
  StreamConfig small = Stream("s");
  small.max_msg_size = 20;
  REQUIRE(n->AddStream(small).ok());
  CHECK(n->Publish("s", std::string(20, 'x')).ok());
  // Headers count towards MaxMsgSize: 18 + 5 > 20.
  CHECK(JsErrorCode(n->Publish("s", "12345", {{"k", "v"}}).status()) == 10054);
  const absl::Status too_big = n->Publish("s", std::string(1001, 'x')).status();
  CHECK(std::string(too_big.message()).find("maximum payload exceeded") != std::string::npos);
  StreamConfig huge = Stream("h");
  huge.max_bytes = 20'000;
  CHECK(JsErrorCode(n->AddStream(huge)) == 10047);
  REQUIRE(n->AddStream(Stream("fill")).ok());
  int published = 0;
  absl::StatusOr<uint64_t> r;
  while ((r = n->Publish("fill", std::string(900, 'f'))).ok()) ++published;
  CHECK(JsErrorCode(r.status()) == 10023);
  CHECK(published == 11);  // accepted while usage was not yet over the limit
}

TEST_CASE("Get and delete by sequence: 10037, 10003; purge keeps sequences going") {
  Nats n(AnyWorld());
  REQUIRE(n->AddStream(Stream("g")).ok());
  for (int i = 0; i < 5; ++i) n.Pub("g", "v" + std::to_string(i));
  CHECK(JsErrorCode(n->GetMsg("g", 99).status()) == 10037);
  CHECK(JsErrorCode(n->GetMsg("g", 0).status()) == 10003);
  REQUIRE(n->DeleteMsg("g", 3).ok());
  CHECK(JsErrorCode(n->GetMsg("g", 3).status()) == 10037);
  CHECK(JsErrorCode(n->DeleteMsg("g", 3)) == 10043);
  CHECK(JsErrorCode(n->DeleteMsg("g", 0)) == 10057);
  CHECK(JsErrorCode(n->DeleteMsg("g", 99)) == 10057);
  CHECK(n.State("g").num_deleted == 1);
  REQUIRE(n->Purge("g").ok());
  StreamState s = n.State("g");
  CHECK(s.msgs == 0);
  CHECK(s.first_seq == 6);
  CHECK(s.last_seq == 5);
  CHECK(n.Pub("g", "after") == 6);
  CHECK(JsErrorCode(n->GetStreamState("missing").status()) == 10059);
}

TEST_CASE("Start-by-sequence consumers: below first, at, beyond last, and 0") {
  Nats n(AnyWorld());
  StreamConfig c = Stream("c");
  c.max_msgs = 5;
  REQUIRE(n->AddStream(c).ok());
  for (int i = 0; i < 8; ++i) n.Pub("c", "x");  // seq 4..8 remain
  REQUIRE(n->AddConsumer("c", {"below", 1}).ok());
  REQUIRE(n->AddConsumer("c", {"at", 6}).ok());
  REQUIRE(n->AddConsumer("c", {"beyond", 100}).ok());
  CHECK(JsErrorCode(n->AddConsumer("c", {"zero", 0})) == 10094);
  CHECK(Seqs(*n->Fetch("c", "below", 10)) == std::vector<uint64_t>{4, 5, 6, 7, 8});
  CHECK(Seqs(*n->Fetch("c", "at", 10)) == std::vector<uint64_t>{6, 7, 8});
  CHECK(n->Fetch("c", "beyond", 10)->empty());
  n.Pub("c", "new");
  CHECK(Seqs(*n->Fetch("c", "beyond", 10)) == std::vector<uint64_t>{9});
  REQUIRE(n->Ack("c", "at", 7).ok());
  CHECK(n->GetConsumerInfo("c", "at")->ack_floor == 7);
  CHECK(n->GetConsumerInfo("c", "at")->num_pending == 1);
}

TEST_CASE("Restart after a clean stop keeps streams, messages and consumer ack floors") {
  NatsMqOptions o;
  o.block_size_bytes = 4096;  // several blocks, with indexes
  Nats n(AnyWorld(), o);
  StreamConfig c = Stream("keep");
  c.max_msgs = 1000;
  REQUIRE(n->AddStream(c).ok());
  for (int i = 1; i <= 300; ++i)
    n.Pub("keep", "message-" + std::to_string(i), {{"i", std::to_string(i)}});
  REQUIRE(n->DeleteMsg("keep", 10).ok());
  REQUIRE(n->AddConsumer("keep", {"durable", 1}).ok());
  REQUIRE(n->Fetch("keep", "durable", 50).ok());
  REQUIRE(n->Ack("keep", "durable", 40).ok());
  const StreamState before = n.State("keep");
  REQUIRE(n->Close().ok());
  n.Reopen();
  const StreamState after = n.State("keep");
  CHECK(after.msgs == before.msgs);
  CHECK(after.bytes == before.bytes);
  CHECK(after.first_seq == before.first_seq);
  CHECK(after.last_seq == before.last_seq);
  CHECK(after.num_deleted == 1);
  CHECK(n->GetMsg("keep", 123)->payload == "message-123");
  CHECK(n->GetMsg("keep", 123)->headers == "NATS/1.0\r\ni: 123\r\n\r\n");
  CHECK(JsErrorCode(n->GetMsg("keep", 10).status()) == 10037);
  CHECK(n->GetConsumerInfo("keep", "durable")->ack_floor == 40);
  // Unacked deliveries are redelivered after a restart.
  CHECK(Seqs(*n->Fetch("keep", "durable", 1)) == std::vector<uint64_t>{41});
  CHECK(n.Pub("keep", "next") == 301);
}

TEST_CASE("MaxAge expires messages on time, also while nobody publishes") {
  Nats n(AnyWorld());
  StreamConfig c = Stream("age");
  c.max_age_ns = 2'000'000'000;  // 2 s
  REQUIRE(n->AddStream(c).ok());
  n.Pub("age", "first");
  n.world->Advance(sim::Duration::Millis(1500));
  n.Pub("age", "second");
  n.world->Advance(sim::Duration::Millis(499));  // t = 1.999 s
  CHECK(n.State("age").msgs == 2);
  n.world->Advance(sim::Duration::Millis(2));  // t = 2.001 s: "first" expired, idle stream
  CHECK(n.State("age").msgs == 1);
  CHECK(n.State("age").first_seq == 2);
  n.world->Advance(sim::Duration::Millis(1500));  // t = 3.501 s: "second" expired
  CHECK(n.State("age").msgs == 0);
  CHECK(n.State("age").first_seq == 3);
}

TEST_CASE("A subscriber gets its message even when the ack cannot be saved") {
  Nats n(AnyWorld());
  REQUIRE(n->AddStream(Stream("ack")).ok());
  REQUIRE(n->AddConsumer("ack", {"d", 1}).ok());
  const uint64_t id = *n->Subscribe("ack", "d");
  n.Pub("ack", "a");
  n.Pub("ack", "b");
  fiu_init(0);
  REQUIRE(fiu_enable(natsmq::points::kConsumerSave, 1, nullptr, 0) == 0);
  absl::StatusOr<std::optional<StoredMsg>> a = n->NextMsg(id);
  fiu_disable(natsmq::points::kConsumerSave);
  // Before the fix the message left the buffer and the call failed: it was lost to the
  // subscriber (found by natsmq push consumers on a full disk).
  REQUIRE(a.ok());
  REQUIRE(a->has_value());
  CHECK((*a)->payload == "a");
  CHECK(n->GetConsumerInfo("ack", "d")->ack_floor == 1);  // in memory, saved with the next
  CHECK((*n->NextMsg(id))->payload == "b");
}

TEST_CASE("A subscriber buffering more than maxPending is cut off as a slow consumer") {
  NatsMqOptions o;
  o.max_pending_bytes = 1000;
  Nats n(AnyWorld(), o);
  REQUIRE(n->AddStream(Stream("sub")).ok());
  REQUIRE(n->AddConsumer("sub", {"d", 1}).ok());
  std::vector<uint64_t> observed;  // each batch moved into the buffer, by its sequences
  const uint64_t id = *n->Subscribe("sub", "d", [&](const std::vector<StoredMsg>& got) {
    for (const StoredMsg& m : got) observed.push_back(m.seq);
  });
  n.Pub("sub", std::string(400, 'a'));
  n.Pub("sub", std::string(400, 'b'));
  CHECK((*n->NextMsg(id))->payload[0] == 'a');  // taken and acked: 400 buffered
  n.Pub("sub", std::string(400, 'c'));
  n.Pub("sub", std::string(400, 'd'));  // 1200 > 1000: cut off
  const absl::Status s = n->NextMsg(id).status();
  CHECK(absl::IsResourceExhausted(s));
  CHECK(std::string(s.message()).find("slow consumer") != std::string::npos);
  CHECK(observed == std::vector<uint64_t>{1, 2, 3, 4});
  // Cut off for good: nothing more is moved into its buffer, and it stays refused.
  n.Pub("sub", "e");
  CHECK(observed.size() == 4);
  CHECK(absl::IsResourceExhausted(n->NextMsg(id).status()));
  // Deleting its consumer ends another subscription: NotFound from then on.
  REQUIRE(n->AddConsumer("sub", {"other", 5}).ok());  // only "e"
  const uint64_t other = *n->Subscribe("sub", "other");
  CHECK(n->NextMsg(other)->has_value());
  REQUIRE(n->DeleteConsumer("sub", "other").ok());
  CHECK(absl::IsNotFound(n->NextMsg(other).status()));
}

// ------------------------------------------------------------------ simulated disk only

TEST_CASE("Recovery cuts a torn tail and keeps every synced message") {
  NatsMqOptions o;
  o.sync_interval_ms = 1000;
  Nats n(Kind::kSimulated, o);
  REQUIRE(n->AddStream(Stream("t")).ok());
  for (int i = 0; i < 20; ++i) n.Pub("t", "synced-" + std::to_string(i));
  n.world->Advance(sim::Duration::Millis(1001));  // the sync interval ran
  for (int i = 0; i < 20; ++i) n.Pub("t", std::string(300, 'u'));
  CrashStore(n);
  n.world->sim_disk()->PowerLoss(sim::PowerLossMode::kTornTail);
  n.Reopen();
  const StreamState s = n.State("t");
  CHECK(s.msgs >= 20);
  CHECK(s.msgs <= 40);
  for (uint64_t seq = 1; seq <= s.msgs; ++seq) REQUIRE(n->GetMsg("t", seq).ok());
  // Sequences that may have been acknowledged and lost are never handed out again.
  const uint64_t next = n.Pub("t", "after");
  CHECK(next > 40);
  CHECK(next == s.last_seq + 1);
}

TEST_CASE("A deleted message is never resurrected by a crash") {
  Nats n(Kind::kSimulated);
  REQUIRE(n->AddStream(Stream("d")).ok());
  for (int i = 0; i < 10; ++i) n.Pub("d", "x");
  REQUIRE(n->SyncNow().ok());
  REQUIRE(n->DeleteMsg("d", 4).ok());
  REQUIRE(n->Purge("d").ok() == true);
  n.Pub("d", "y");
  CrashStore(n);
  n.world->sim_disk()->PowerLoss(sim::PowerLossMode::kDropUnsynced);
  n.Reopen();
  const StreamState s = n.State("d");
  CHECK(s.first_seq >= 11);  // the purge survived; "y" (unsynced) may be lost
  CHECK(JsErrorCode(n->GetMsg("d", 4).status()) == 10037);
}

// Found by a swarm seed (disk full, crash, then a crash with power loss): a block created
// just before a process crash has a directory entry that is not durable; recovery reopened
// it without syncing the directory, so a later power loss took the whole block, synced
// messages and all.
TEST_CASE("Synced messages in a block created before a crash survive a later power loss") {
  NatsMqOptions o;
  o.sync_interval_ms = 3'600'000;  // nothing synced by time in this test
  o.block_size_bytes = 1024;
  Nats n(Kind::kSimulated, o);
  REQUIRE(n->AddStream(Stream("b")).ok());
  for (int i = 0; i < 5; ++i) n.Pub("b", std::string(300, 'a'));  // 3 in block 1, 2 in block 2
  // A process crash: the newest block's directory entry is still volatile.
  CrashStore(n);
  n.options.sync_always = true;
  n.Reopen();
  const uint64_t last = n.Pub("b", "acked-with-sync");
  CrashStore(n);
  n.world->sim_disk()->PowerLoss(sim::PowerLossMode::kDropUnsynced);
  n.Reopen();
  absl::StatusOr<StoredMsg> m = n->GetMsg("b", last);
  INFO(m.status().ToString());
  REQUIRE(m.ok());
  CHECK(m->payload == "acked-with-sync");
}

// A block emptied by a removal is deleted right after the removal's record; a crash in
// between leaves it on disk. Recovery deletes it (it used to wait for the next eviction,
// which may never come). The crash comes at each disk operation of the purge in turn.
TEST_CASE("Recovery deletes blocks a removal emptied before the stop") {
  NatsMqOptions o;
  o.block_size_bytes = 1024;
  int emptied = 0;  // crashes after the purge's marker was written
  for (uint64_t op = 1; op <= 8; ++op) {
    INFO("crash at operation " << op << " of the purge");
    Nats n(Kind::kSimulated, o);
    REQUIRE(n->AddStream(Stream("b")).ok());
    for (int i = 0; i < 7; ++i) n.Pub("b", std::string(300, 'a'));  // blocks 1, 2, 3
    sim::SimFileSystem& disk = *n.world->sim_disk();
    disk.PowerOffAtOperation(op);
    (void)n->Purge("b");  // fails where the disk went away
    disk.PowerOffAtOperation(0);
    CrashStore(n);
    n.Reopen();
    absl::StatusOr<FileUse> files = n->GetStreamFiles("b");
    REQUIRE(files.ok());
    CHECK(files->block_size == 1024);
    if (n.State("b").msgs != 0) continue;  // the marker never reached the disk
    ++emptied;
    CHECK(files->blocks == 1);
    CHECK(files->block_bytes <= 1024);
  }
  CHECK(emptied >= 2);
}

TEST_CASE("A corrupt block index is ignored: the block is rescanned") {
  NatsMqOptions o;
  o.block_size_bytes = 2048;
  Nats n(Kind::kSimulated, o);
  REQUIRE(n->AddStream(Stream("i")).ok());
  for (int i = 0; i < 100; ++i) n.Pub("i", "payload-" + std::to_string(i));
  REQUIRE(n->Close().ok());
  sim::SimFileSystem& disk = *n.world->sim_disk();
  const std::string idx = n.options.store_dir + "/jetstream/i/msgs/1.idx";
  REQUIRE(disk.Exists(idx));
  std::unique_ptr<rocksdb::FSWritableFile> f;
  REQUIRE(disk.NewWritableFile(idx, rocksdb::FileOptions(), &f, nullptr).ok());
  REQUIRE(f->Append("MQIX garbage", rocksdb::IOOptions(), nullptr).ok());
  n.Reopen();
  const StreamState s = n.State("i");
  CHECK(s.msgs == 100);
  CHECK(n->GetMsg("i", 5)->payload == "payload-4");
}

TEST_CASE("Each closed block's index lists its messages, also across a restart and a crash") {
  NatsMqOptions o;
  o.block_size_bytes = 2048;
  Nats n(Kind::kSimulated, o);
  REQUIRE(n->AddStream(Stream("i")).ok());
  // The block open at each restart gets messages from before and after it in its index.
  std::vector<uint64_t> seqs;
  auto publish = [&](int from, int to) {
    for (int i = from; i < to; ++i) seqs.push_back(n.Pub("i", "payload-" + std::to_string(i)));
  };
  publish(0, 20);  // block 1 (about 44 records of 46 bytes) spans the clean restart
  REQUIRE(n->Close().ok());
  n.Reopen();
  publish(20, 60);  // block 2 spans the crash
  CrashStore(n);
  n.Reopen();
  publish(60, 160);  // after the sequences reserved before the crash
  REQUIRE(n->Close().ok());

  sim::SimFileSystem& disk = *n.world->sim_disk();
  const std::string dir = n.options.store_dir + "/jetstream/i/msgs/";
  size_t next = 0;  // index into seqs
  uint32_t block = 1;
  for (; disk.Exists(dir + std::to_string(block) + ".idx"); ++block) {
    INFO("block " << block);
    const std::string idx = *storage::ReadWholeFile(disk, dir + std::to_string(block) + ".idx");
    const std::string blk = *storage::ReadWholeFile(disk, dir + std::to_string(block) + ".blk");
    REQUIRE(idx.size() >= 24);
    CHECK(idx.compare(0, 4, "MQIX") == 0);
    CHECK(GetLe<uint64_t>(idx.data() + idx.size() - 8) == XXH3_64bits(idx.data(), idx.size() - 8));
    CHECK(GetLe<uint64_t>(idx.data() + 4) == blk.size());
    const uint32_t count = GetLe<uint32_t>(idx.data() + 12);
    REQUIRE(idx.size() == 16 + count * size_t{37} + 8);
    uint64_t covered = 0;
    for (uint32_t e = 0; e < count; ++e) {
      const char* p = idx.data() + 16 + e * size_t{37};
      CHECK(GetLe<uint8_t>(p) == Record::kMessage);
      REQUIRE(next < seqs.size());
      CHECK(GetLe<uint64_t>(p + 1) == seqs[next++]);
      const uint64_t offset = GetLe<uint64_t>(p + 17);
      const uint32_t length = GetLe<uint32_t>(p + 25);
      CHECK(offset == covered);
      Record r;
      size_t len = 0;
      REQUIRE(DecodeRecord(std::string_view(blk).substr(offset, length), &r, &len) ==
              DecodeResult::kOk);
      CHECK(r.seq == seqs[next - 1]);
      covered += length;
    }
    CHECK(covered == blk.size());  // message records only: recovery trusts this index
  }
  CHECK(block >= 4);  // blocks 1-3 closed
  CHECK(next > 100);  // the last block, still open, has no index
  n.Reopen();
  CHECK(n.State("i").msgs == 160);
  CHECK(n->GetMsg("i", 1)->payload == "payload-0");
}

// Found by natsmq-every-fault-point once the workload deleted messages: a block holding only
// a tombstone was dropped as soon as it stopped being the current block, while the message
// it deleted was still on disk in an older block; after a restart the message was back.
TEST_CASE("A delete survives a restart when its tombstone's block holds nothing else") {
  NatsMqOptions o;
  o.block_size_bytes = 1024;
  Nats n(Kind::kSimulated, o);
  REQUIRE(n->AddStream(Stream("d")).ok());
  const std::string fill(300, 'f');
  for (int i = 0; i < 3; ++i) n.Pub("d", fill);  // block 1: seqs 1..3, nearly full
  REQUIRE(n->DeleteMsg("d", 1).ok());            // its tombstone opens block 2
  n.Pub("d", std::string(1000, 'b'));            // seq 4 opens block 3
  REQUIRE(n->DeleteMsg("d", 2).ok());            // block 2 now holds nothing live
  REQUIRE(n->Close().ok());
  n.Reopen();
  CHECK(absl::IsNotFound(n->GetMsg("d", 1).status()));
  CHECK(absl::IsNotFound(n->GetMsg("d", 2).status()));
  CHECK(n.State("d").msgs == 2);
}

// Found by a swarm seed: a rollover whose new block could not be opened left the stream
// without a writer, and the next publish crashed the process (through the missing writer's
// Append when the record fitted the old block, its Sync when it did not). Every disk
// operation of the rollover, in turn, fails (the disk refuses it and every later one until
// it comes back); then records that fit the old block and records that do not are
// published. Nothing crashes, failures are clean errors, and every acknowledged message
// is there after a restart.
TEST_CASE("A rollover that cannot open its new block fails cleanly and is retried") {
  const int64_t block_size = 1024;
  const std::string big(280, 'b');  // three fill most of a block
  const uint64_t big_record = EncodeRecord(Record{Record::kMessage, 1, 0, "r", "", big}).size();
  REQUIRE(3 * big_record + 60 < static_cast<uint64_t>(block_size));
  REQUIRE(4 * big_record > static_cast<uint64_t>(block_size));
  for (uint64_t fail_at = 1; fail_at <= 16; ++fail_at) {
    DYNAMIC_SECTION("the rollover's disk operation " << fail_at << " fails") {
      NatsMqOptions o;
      o.block_size_bytes = block_size;
      o.sync_always = true;
      Nats n(Kind::kSimulated, o);
      REQUIRE(n->AddStream(Stream("r")).ok());
      std::map<uint64_t, std::string> acked;
      for (int i = 0; i < 3; ++i) acked[n.Pub("r", big)] = big;
      sim::SimFileSystem& disk = *n.world->sim_disk();
      disk.PowerOffAtOperation(fail_at);
      absl::StatusOr<uint64_t> roll = n->Publish("r", big);  // does not fit: rolls over
      disk.PowerOffAtOperation(0);
      const bool refused = disk.powered_off();
      disk.PowerOn();
      if (roll.ok()) acked[*roll] = big;
      INFO(roll.status().ToString());
      CHECK((roll.ok() || (refused && !roll.status().message().empty())));
      // A record that fits the old block, then one that fits no partly filled block.
      for (const std::string& payload : {std::string("s"), big, std::string("t"), big}) {
        absl::StatusOr<uint64_t> seq = n->Publish("r", payload);
        INFO(seq.status().ToString());
        REQUIRE(seq.ok());
        acked[*seq] = payload;
      }
      REQUIRE(n->Close().ok());
      n.Reopen();
      // A publish whose record was written before its sync failed stored its message.
      CHECK(n.State("r").msgs >= acked.size());
      CHECK(n.State("r").msgs <= acked.size() + (roll.ok() ? 0 : 1));
      for (const auto& [seq, payload] : acked) {
        absl::StatusOr<StoredMsg> m = n->GetMsg("r", seq);
        INFO("seq " << seq << ": " << m.status().ToString());
        REQUIRE(m.ok());
        CHECK(m->payload == payload);
      }
    }
  }
}

namespace {

// A sync pass, a crash and a power loss that drops what is unsynced: every one of `seqs` of
// `stream` was acknowledged before the sync pass, so every one must be there after recovery.
void CheckSyncedSurvivePowerLoss(Nats& n, const std::string& stream,
                                 std::initializer_list<uint64_t> seqs) {
  REQUIRE(n->SyncNow().ok());
  CrashStore(n);
  n.world->sim_disk()->PowerLoss(sim::PowerLossMode::kDropUnsynced);
  n.Reopen();
  for (uint64_t seq : seqs) {
    absl::StatusOr<StoredMsg> m = n->GetMsg(stream, seq);
    INFO("seq " << seq << ": " << m.status().ToString());
    CHECK(m.ok());
  }
}

}  // namespace

// A failed append sends the stream to a new block; the messages acknowledged in the old
// block before it were not yet synced (sync_interval mode). The next sync must still cover
// them: it is the promise the sync makes, whichever block they are in.
TEST_CASE("A sync after a failed append covers the unsynced messages of the abandoned block") {
  NatsMqOptions o;
  o.sync_interval_ms = 3'600'000;  // synced only by SyncNow in this test
  Nats n(Kind::kSimulated, o);
  REQUIRE(n->AddStream(Stream("u")).ok());
  REQUIRE(n->SyncNow().ok());
  const uint64_t a = n.Pub("u", "acked-before-the-failure-1");
  const uint64_t b = n.Pub("u", "acked-before-the-failure-2");
  sim::SimFileSystem& disk = *n.world->sim_disk();
  disk.set_capacity_bytes(disk.used_bytes());
  REQUIRE_FALSE(n->Publish("u", std::string(100, 'x')).ok());  // torn: a new block next
  disk.set_capacity_bytes(1ULL << 40);
  const uint64_t c = n.Pub("u", "in-the-new-block");
  CheckSyncedSurvivePowerLoss(n, "u", {a, b, c});
}

// Found by the long natsmq swarm (a full disk, a crash, then a power loss minutes later):
// messages acknowledged before a process crash were still only in the page cache; after
// recovery the first append failed on the full disk and the stream rolled over to a new
// block, so no sync ever reached the old one, and the power loss took messages that a
// completed sync pass had promised.
TEST_CASE("The first sync after a crash covers the recovered block, also after a rollover") {
  NatsMqOptions o;
  o.sync_interval_ms = 3'600'000;  // synced only by SyncNow in this test
  Nats n(Kind::kSimulated, o);
  REQUIRE(n->AddStream(Stream("r")).ok());
  REQUIRE(n->SyncNow().ok());
  const uint64_t a = n.Pub("r", "acked-before-the-crash-1");
  const uint64_t b = n.Pub("r", "acked-before-the-crash-2");
  CrashStore(n);  // a process crash: the page cache keeps a and b, unsynced
  n.Reopen();
  sim::SimFileSystem& disk = *n.world->sim_disk();
  // Room for the publish's new sequence reservation, not for its record.
  disk.set_capacity_bytes(disk.used_bytes() + 64);
  const absl::StatusOr<uint64_t> failed = n->Publish("r", std::string(300, 'x'));
  INFO(failed.status().ToString());
  REQUIRE_FALSE(failed.ok());  // the record is torn: a new block next
  disk.set_capacity_bytes(1ULL << 40);
  const uint64_t c = n.Pub("r", "in-the-new-block");
  CheckSyncedSurvivePowerLoss(n, "r", {a, b, c});
}

// Found by the long natsmq swarm (a seek storm with topic churn): a deleted stream's unlinks
// were never made durable, so after a power loss the old blocks came back inside the stream
// created again under the same name, and old messages reappeared under ids the new stream
// had given to others.
TEST_CASE("A stream deleted and created again never adopts the old one's blocks") {
  NatsMqOptions o;
  o.block_size_bytes = 1024;
  o.sync_interval_ms = 3'600'000;  // synced only by SyncNow in this test
  Nats n(Kind::kSimulated, o);
  REQUIRE(n->AddStream(Stream("d")).ok());
  for (int i = 0; i < 12; ++i) n.Pub("d", "old-" + std::string(200, 'o'));  // several blocks
  REQUIRE(n->SyncNow().ok());  // the old blocks are durable
  REQUIRE(n->DeleteStream("d").ok());
  REQUIRE(n->AddStream(Stream("d")).ok());
  for (int i = 0; i < 3; ++i) n.Pub("d", "new-" + std::to_string(i));  // not synced
  CrashStore(n);
  n.world->sim_disk()->PowerLoss(sim::PowerLossMode::kDropUnsynced);
  n.Reopen();
  const StreamState s = n.State("d");
  for (uint64_t seq = s.first_seq; seq <= s.last_seq; ++seq) {
    absl::StatusOr<StoredMsg> m = n->GetMsg("d", seq);
    INFO("seq " << seq);
    if (m.ok()) CHECK_FALSE(m->payload.starts_with("old-"));
  }
  CHECK(s.msgs <= 3);
}

TEST_CASE("Disk full: publish fails clearly, reads keep working, publishing resumes") {
  NatsMqOptions o;
  o.sync_always = true;
  Nats n(Kind::kSimulated, o);
  REQUIRE(n->AddStream(Stream("f")).ok());
  sim::SimFileSystem& disk = *n.world->sim_disk();
  disk.set_capacity_bytes(disk.used_bytes() + 5000);
  absl::StatusOr<uint64_t> r;
  int ok = 0;
  while ((r = n->Publish("f", std::string(400, 'x'))).ok()) ++ok;
  CHECK(absl::IsResourceExhausted(r.status()));
  CHECK(std::string(r.status().message()).find("disk full") != std::string::npos);
  CHECK(n->GetMsg("f", 1).ok());
  CHECK(n.State("f").msgs == static_cast<uint64_t>(ok));
  disk.set_capacity_bytes(1ULL << 40);
  CHECK(n.Pub("f", "resumed") == static_cast<uint64_t>(ok) + 1);
  REQUIRE(n->Close().ok());
  n.Reopen();
  CHECK(n.State("f").msgs == static_cast<uint64_t>(ok) + 1);
}

TEST_CASE("Recovery slower than initializeTimeout fails start-up with a clear error") {
  NatsMqOptions o;
  o.initialize_timeout_ms = 100;
  Nats n(Kind::kSimulated, o);
  REQUIRE(n->AddStream(Stream("slow")).ok());
  for (int i = 0; i < 50; ++i) n.Pub("slow", "x");
  REQUIRE(n->Close().ok());
  n.store.reset();
  n.world->sim_disk()->options().latency.read =
      sim::LatencyDistribution{sim::Duration::Millis(20), sim::Duration::Millis(20), 0, {}};
  const absl::StatusOr<std::unique_ptr<NatsStore>> r = n.TryOpen();
  REQUIRE_FALSE(r.ok());
  CHECK(absl::IsDeadlineExceeded(r.status()));
  CHECK(std::string(r.status().message()).find("initializeTimeout") != std::string::npos);
}

// ------------------------------------------------------------------ config

TEST_CASE("natsmq config: defaults, every key, empty retention means unlimited") {
  auto defaults = ParseNatsMqConfigText("rocksmq: {}\n", "milvus.yaml");
  REQUIRE(defaults.ok());
  CHECK(defaults->port == 4222);
  CHECK(defaults->store_dir == "/var/lib/milvus/nats");
  CHECK(defaults->max_file_store_bytes == 17179869184);
  CHECK(defaults->max_payload_bytes == 8388608);
  CHECK(defaults->max_pending_bytes == 67108864);
  CHECK(defaults->initialize_timeout_ms == 4000);
  CHECK(defaults->retention_max_age_minutes == 4320);
  CHECK_FALSE(defaults->retention_max_bytes.has_value());
  CHECK(defaults->sync_interval_ms == 120'000);
  auto all = ParseNatsMqConfigText(R"(
natsmq:
  server:
    port: 4223
    storeDir: /data/nats
    maxFileStore: 1000000
    maxPayload: 1000
    maxPending: 2000
    initializeTimeout: 1000
    monitor:
      trace: true
      debug: true
      logTime: false
      logFile: /tmp/nats.log
      logSizeLimit: 100
    retention:
      maxAge: "60"
      maxBytes:
      maxMsgs: 10
  syncInterval: always
)",
                                   "milvus.yaml");
  INFO(all.status().ToString());
  REQUIRE(all.ok());
  CHECK(all->store_dir == "/data/nats");
  CHECK(all->retention_max_age_minutes == 60);
  CHECK_FALSE(all->retention_max_bytes.has_value());
  CHECK(all->retention_max_msgs == 10);
  CHECK(all->sync_always);
  CHECK(all->monitor_trace);
  const StreamConfig s = all->StreamFor("topic");
  CHECK(s.max_age_ns == 3600LL * 1'000'000'000);
  CHECK(s.max_msgs == 10);
  CHECK(s.max_bytes == -1);
}

TEST_CASE("natsmq config errors name the file, line and key") {
  auto error = [](const std::string& yaml) {
    auto r = ParseNatsMqConfigText(yaml, "milvus.yaml");
    REQUIRE_FALSE(r.ok());
    return std::string(r.status().message());
  };
  CHECK(error("natsmq:\n  server:\n    maxPayload: big\n") ==
        "milvus.yaml:3: natsmq.server.maxPayload: expected an integer, got \"big\"");
  CHECK(error("natsmq:\n  server:\n    prot: 1\n") ==
        "milvus.yaml:3: natsmq.server.prot: unknown key");
  CHECK(error("natsmq:\n  syncInterval: sometimes\n").find("milvus.yaml:2: natsmq.syncInterval") ==
        0);
  // Where Milvus reads the limits: natsmq.server.retention, not natsmq.retention.
  CHECK(error("natsmq:\n  retention: {maxMsgs: 5}\n")
            .starts_with("milvus.yaml:2: natsmq.retention: Milvus reads the limits from "
                         "natsmq.server.retention"));
  CHECK(error("natsmq:\n  server:\n    monitor: {trcae: true}\n") ==
        "milvus.yaml:3: natsmq.server.monitor.trcae: unknown key (did you mean \"trace\"?)");
}

TEST_CASE("natsmq config is read as Milvus reads it: text values, keys in any case, 0 unlimited") {
  auto c = ParseNatsMqConfigText(
      "natsmq:\n  server:\n    MaxPayload: '1000'\n    retention: {max_msgs: 0, maxBytes: ''}\n",
      "milvus.yaml");
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  CHECK(c->max_payload_bytes == 1000);
  CHECK(c->StreamFor("t").max_msgs == -1);
  CHECK(c->StreamFor("t").max_bytes == -1);
}

}  // namespace mqsim::natsmq
