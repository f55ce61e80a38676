#include "properties/milvus_data_path.h"

#include <charconv>

#include "backends/position.h"
#include "base/assert.h"
#include "base/bug_modes.h"
#include "base/status_macros.h"
#include "properties/recording_queue.h"
#include "sim/stream_names.h"
#include "storage/file_io.h"

namespace mqsim::properties {

namespace {

constexpr char kGroup[] = "datanode";
constexpr char kSegments[] = "/minio/segments";
constexpr char kCheckpoints[] = "/etcd/checkpoints";

std::string Hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    out += static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1]));
  }
  return out;
}

// The pieces of text between separators ("" gives one empty piece).
std::vector<std::string> Split(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t from = 0;
  for (size_t at = text.find(sep); at != std::string_view::npos; at = text.find(sep, from)) {
    out.emplace_back(text.substr(from, at - from));
    from = at + 1;
  }
  out.emplace_back(text.substr(from));
  return out;
}

std::string Join(const std::vector<std::string>& pieces, char sep) {
  std::string out;
  for (const std::string& p : pieces) out += (out.empty() ? "" : std::string(1, sep)) + p;
  return out;
}

uint64_t ParseU64(std::string_view s) {
  uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

MilvusDataPath::MilvusDataPath(sim::Simulation* sim, DataPathOptions options, History* history)
    : sim_(sim),
      options_(std::move(options)),
      history_(history),
      remote_(std::make_shared<sim::SimFileSystem>(
          &sim->clock(), sim->Stream(sim::streams::kRemoteDisk), &sim->trace())),
      rng_(sim->Stream(sim::streams::kDataPath)) {
  remote_->MakeDirs(kSegments);
  remote_->MakeDirs(kCheckpoints);
  for (int i = 0; i < options_.channels; ++i) {
    Channel c;
    c.topic = options_.channel_prefix + std::to_string(i);
    remote_->MakeDirs(std::string(kSegments) + "/" + c.topic);
    channels_.push_back(std::move(c));
  }
}

MilvusDataPath::~MilvusDataPath() { CancelTasks(); }

int64_t MilvusDataPath::NowNs() const { return sim_->now().nanos(); }

int64_t MilvusDataPath::Tso() {
  last_tso_ = std::max(NowNs(), last_tso_ + 1);
  return last_tso_;
}

absl::Status MilvusDataPath::Start(backends::SimStore* store, bool ignore_bad_position) {
  MQSIM_ASSERT_MSG(!running(), "MilvusDataPath::Start while running");
  store_ = store;
  MQSIM_RETURN_IF_ERROR(store_->Open());
  recorder_ = std::make_unique<RecordingQueue>(
      store_->queue(), history_, [this] { return NowNs(); }, store_->durable_acks());
  for (Channel& c : channels_) {
    const absl::Status created = recorder_->CreateTopic(c.topic);
    absl::Status s = created.ok() || absl::IsAlreadyExists(created)
                         ? ResumeChannel(c, ignore_bad_position)
                         : created;
    if (!s.ok()) {
      recorder_.reset();
      return s;
    }
  }
  sim::Scheduler& sch = sim_->scheduler();
  const sim::SpawnOptions opts{.process = store_->process(), .daemon = true};
  if (writes_)
    producer_ = sch.Spawn(
        "milvus.producer", [this] { return Producer(); }, opts);
  ticker_ = sch.Spawn(
      "milvus.timetick", [this] { return Ticker(); }, opts);
  next_flush_ = sim_->now() + options_.flush_every;
  flusher_ = sch.Spawn(
      "milvus.flusher", [this] { return Flusher(); }, opts);
  return absl::OkStatus();
}

// The meta store's record of a channel: "ts\nposition-hex\nwriter\nseg,seg,...". The writer
// (the engine) is for the checker only; Milvus does not know it.
absl::Status MilvusDataPath::ResumeChannel(Channel& c, bool ignore_bad_position) {
  c.buffer.clear();
  c.last_id.reset();
  c.segments.clear();
  absl::StatusOr<std::string> record =
      storage::ReadWholeFile(*remote_, std::string(kCheckpoints) + "/" + c.topic);
  if (!record.ok()) return RewindChannel(c);  // never checkpointed: from the earliest message
  const std::vector<std::string> lines = Split(*record, '\n');
  MQSIM_ASSERT_MSG(lines.size() == 4, "a channel record has four lines");
  c.checkpoint_ts_ns = static_cast<int64_t>(ParseU64(lines[0]));
  c.last_ts_ns = c.checkpoint_ts_ns;
  const std::string& writer = lines[2];
  if (!lines[3].empty()) c.segments = Split(lines[3], ',');
  const absl::Status created = recorder_->CreateConsumerGroup(c.topic, kGroup);
  if (!created.ok() && !absl::IsAlreadyExists(created)) return created;
  std::string warning;
  const absl::Status s = backends::SeekAfterPosition(*recorder_, c.topic, kGroup, Unhex(lines[1]),
                                                     ignore_bad_position, &warning);
  if (s.ok() && warning.empty() && writer != backends::ToString(store_->type())) {
    foreign_resumes_.push_back(c.topic + " resumed on " +
                               std::string(backends::ToString(store_->type())) +
                               " from a position " + writer + " wrote");
  }
  if (!warning.empty()) {
    warnings_.push_back(warning);
    replacements_.push_back({sim_->now(), static_cast<int>(&c - channels_.data())});
    sim_->trace().Event("milvus.bad_position").Kv("channel", c.topic).Kv("warning", warning);
  }
  if (!s.ok()) {
    return absl::Status(
        s.code(), "flusher cannot resume channel " + c.topic + ": " + std::string(s.message()));
  }
  return absl::OkStatus();
}

// A channel without a checkpoint is read from its first message: a group that outlived the
// process (a durable consumer) is made again, as Milvus seeks to the channel's start.
absl::Status MilvusDataPath::RewindChannel(Channel& c) {
  absl::Status created = recorder_->CreateConsumerGroup(c.topic, kGroup);
  if (absl::IsAlreadyExists(created)) {
    MQSIM_RETURN_IF_ERROR(recorder_->DestroyConsumerGroup(c.topic, kGroup));
    created = recorder_->CreateConsumerGroup(c.topic, kGroup);
  }
  return created;
}

void MilvusDataPath::CancelTasks() {
  for (std::optional<sim::TaskHandle>* t : {&producer_, &ticker_, &flusher_}) {
    if (*t) sim_->scheduler().Cancel((*t)->id);
    t->reset();
  }
}

void MilvusDataPath::Crashed() {
  CancelTasks();  // gone with the process already; the handles go too
  recorder_.reset();
  for (Channel& c : channels_) {
    c.buffer.clear();
    c.deferred.clear();
    c.last_id.reset();
  }
}

void MilvusDataPath::Stop() { Crashed(); }

void MilvusDataPath::StopWrites() {
  writes_ = false;
  if (producer_) sim_->scheduler().Cancel(producer_->id);
  producer_.reset();
}

void MilvusDataPath::ResumeWrites() {
  writes_ = true;
  if (running() && !producer_) {
    producer_ = sim_->scheduler().Spawn(
        "milvus.producer", [this] { return Producer(); },
        sim::SpawnOptions{.process = store_->process(), .daemon = true});
  }
}

sim::Task<void> MilvusDataPath::Producer() {
  sim::Scheduler& s = sim_->scheduler();
  for (;;) {
    co_await s.SleepFor(options_.insert_every);
    const int channel = static_cast<int>(rng_.Below(channels_.size()));
    const Channel& c = channels_[channel];
    const int n = static_cast<int>(rng_.Uniform(1, options_.max_rows_per_insert));
    for (int i = 0; i < n; ++i) {
      const uint64_t row = next_row_++;
      const int64_t ts = Tso();
      const absl::StatusOr<backends::MessageId> id =
          recorder_->Produce(c.topic, "row:" + std::to_string(row) + ":" + std::to_string(ts));
      if (id.ok()) acked_rows_[row] = AckedRow{s.now(), channel, ts, store_->durable_acks()};
    }
  }
}

sim::Task<void> MilvusDataPath::Ticker() {
  sim::Scheduler& s = sim_->scheduler();
  for (;;) {
    co_await s.SleepFor(options_.time_tick_every);
    for (Channel& c : channels_) (void)recorder_->Produce(c.topic, "tt:" + std::to_string(Tso()));
  }
}

void MilvusDataPath::ConsumeChannel(Channel& c) {
  absl::StatusOr<std::vector<Message>> got =
      recorder_->Consume(c.topic, kGroup, options_.consume_batch);
  if (!got.ok()) return;
  for (const Message& m : *got) {
    std::string_view p = m.payload;
    if (p.starts_with("row:")) {
      p.remove_prefix(4);
      const size_t colon = p.find(':');
      c.buffer.push_back(ParseU64(p.substr(0, colon)));
      c.last_ts_ns = static_cast<int64_t>(ParseU64(p.substr(colon + 1)));
    } else if (p.starts_with("tt:")) {
      c.last_ts_ns = static_cast<int64_t>(ParseU64(p.substr(3)));
    }
    c.last_id = m.id;
  }
}

sim::Task<void> MilvusDataPath::Flusher() {
  sim::Scheduler& s = sim_->scheduler();
  for (;;) {
    co_await s.SleepFor(options_.consume_every);
    for (Channel& c : channels_) ConsumeChannel(c);
    if (!flush_requested_ && s.now() < next_flush_) continue;
    bool all_done = true;
    for (Channel& c : channels_) {
      if (!FlushChannel(c).ok()) all_done = false;
    }
    next_flush_ = s.now() + options_.flush_every;
    if (!all_done) continue;
    bool passed = true;
    for (const Channel& c : channels_) passed = passed && c.checkpoint_ts_ns > flush_until_ns_;
    if (passed) flush_requested_ = false;
  }
}

absl::Status MilvusDataPath::FlushChannel(Channel& c) {
  if (!c.last_id) return absl::OkStatus();  // nothing consumed since the last checkpoint
  std::vector<std::string> segments = c.segments;
  // Bug mode checkpoint_ahead_of_segment: this flush writes the rows the previous one
  // buffered and keeps its own for the next; the checkpoint already covers them.
  std::vector<uint64_t> to_write = c.buffer;
  if (MQSIM_BUG(kCheckpointAheadOfSegment)) std::swap(to_write, c.deferred);
  if (!to_write.empty()) {
    std::string rows;
    for (uint64_t r : to_write) rows += std::to_string(r) + "\n";
    const std::string name = std::to_string(++segments_) + ".seg";
    MQSIM_RETURN_IF_ERROR(storage::WriteFileAtomically(
        *remote_, std::string(kSegments) + "/" + c.topic, name, rows, /*sync=*/true));
    segments.push_back(name);
  }
  // Data before metadata: the record names only segments already written, and its
  // checkpoint covers only rows in them.
  const std::string record =
      std::to_string(c.last_ts_ns) + "\n" + Hex(backends::EncodePosition(*recorder_, *c.last_id)) +
      "\n" + std::string(backends::ToString(store_->type())) + "\n" + Join(segments, ',');
  MQSIM_RETURN_IF_ERROR(
      storage::WriteFileAtomically(*remote_, kCheckpoints, c.topic, record, /*sync=*/true));
  sim_->trace()
      .Event("milvus.checkpoint")
      .Kv("channel", c.topic)
      .Kv("rows", static_cast<uint64_t>(to_write.size()));
  const int index = static_cast<int>(&c - channels_.data());
  checkpoints_.push_back(CheckpointRecord{sim_->now(), index, c.last_ts_ns});
  c.checkpoint_ts_ns = c.last_ts_ns;
  c.segments = std::move(segments);
  c.buffer.clear();
  c.last_id.reset();
  return absl::OkStatus();
}

int64_t MilvusDataPath::FlushAll() {
  flush_requested_ = true;
  flush_until_ns_ = Tso();
  sim_->trace().Event("milvus.flush_all").Kv("ts", flush_until_ns_);
  history_->Add(
      HistoryEvent{.time_ns = NowNs(), .kind = EventKind::kFlushAll, .id = flush_until_ns_});
  return flush_until_ns_;
}

bool MilvusDataPath::FlushAllComplete(int64_t flush_ts) const {
  for (const Channel& c : channels_) {
    if (c.checkpoint_ts_ns <= flush_ts) return false;
  }
  return true;
}

void MilvusDataPath::RecordSwitch(backends::MqType to) {
  sim_->trace().Event("milvus.switch").Kv("to", std::string(backends::ToString(to)));
  history_->Add(HistoryEvent{.time_ns = NowNs(),
                             .kind = EventKind::kSwitch,
                             .payload = std::string(backends::ToString(to))});
}

absl::Status MilvusDataPath::SwitchTo(backends::SimStore* store, bool ignore_bad_position) {
  Stop();
  RecordSwitch(store->type());
  if (store_ != store) MQSIM_RETURN_IF_ERROR(store_->Close());
  return Start(store, ignore_bad_position);
}

absl::StatusOr<std::map<uint64_t, int>> MilvusDataPath::SegmentRows() {
  std::map<uint64_t, int> rows;
  for (const Channel& c : channels_) {
    absl::StatusOr<std::string> record =
        storage::ReadWholeFile(*remote_, std::string(kCheckpoints) + "/" + c.topic);
    if (!record.ok()) continue;  // never flushed
    const std::vector<std::string> lines = Split(*record, '\n');
    if (lines.size() != 4 || lines[3].empty()) continue;
    for (const std::string& name : Split(lines[3], ',')) {
      const std::string path = std::string(kSegments) + "/" + c.topic + "/" + name;
      absl::StatusOr<std::string> text = storage::ReadWholeFile(*remote_, path);
      if (!text.ok()) return text.status();
      for (const std::string& line : Split(*text, '\n')) {
        if (!line.empty()) ++rows[ParseU64(line)];
      }
    }
  }
  return rows;
}

}  // namespace mqsim::properties
