#include "properties/milvus_data_path.h"

#include <charconv>

#include "backends/position.h"
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

MilvusDataPath::~MilvusDataPath() { Stop(); }

int64_t MilvusDataPath::NowNs() const { return sim_->now().nanos(); }

int64_t MilvusDataPath::Tso() {
  last_tso_ = std::max(NowNs(), last_tso_ + 1);
  return last_tso_;
}

absl::Status MilvusDataPath::Start(backends::SimStore* store, bool ignore_bad_position) {
  store_ = store;
  MQSIM_RETURN_IF_ERROR(store_->Open());
  recorder_ = std::make_unique<RecordingQueue>(
      store_->queue(), history_, [this] { return NowNs(); }, store_->durable_acks());
  for (Channel& c : channels_) {
    MQSIM_RETURN_IF_ERROR(recorder_->CreateTopic(c.topic));
    MQSIM_RETURN_IF_ERROR(ResumeChannel(c, ignore_bad_position));
  }
  sim::Scheduler& s = sim_->scheduler();
  const sim::SpawnOptions opts{.process = store_->process(), .daemon = true};
  producer_ = s.Spawn(
      "milvus.producer", [this] { return Producer(); }, opts);
  ticker_ = s.Spawn(
      "milvus.timetick", [this] { return Ticker(); }, opts);
  next_flush_ = sim_->now() + options_.flush_every;
  flusher_ = s.Spawn(
      "milvus.flusher", [this] { return Flusher(); }, opts);
  return absl::OkStatus();
}

absl::Status MilvusDataPath::ResumeChannel(Channel& c, bool ignore_bad_position) {
  c.buffer.clear();
  c.last_id.reset();
  const absl::Status created = recorder_->CreateConsumerGroup(c.topic, kGroup);
  if (!created.ok() && !absl::IsAlreadyExists(created)) return created;
  absl::StatusOr<std::string> ckpt =
      storage::ReadWholeFile(*remote_, std::string(kCheckpoints) + "/" + c.topic);
  if (!ckpt.ok()) return absl::OkStatus();  // never checkpointed: from the earliest message
  const size_t nl = ckpt->find('\n');
  const size_t nl2 = ckpt->find('\n', nl + 1);
  c.checkpoint_ts_ns = static_cast<int64_t>(ParseU64(std::string_view(*ckpt).substr(0, nl)));
  c.last_ts_ns = c.checkpoint_ts_ns;
  const std::string writer = nl2 == std::string::npos ? "" : ckpt->substr(nl2 + 1);
  std::string warning;
  const absl::Status s = backends::SeekAfterPosition(
      *recorder_, c.topic, kGroup, Unhex(std::string_view(*ckpt).substr(nl + 1, nl2 - nl - 1)),
      ignore_bad_position, &warning);
  if (s.ok() && warning.empty() && !writer.empty() &&
      writer != backends::ToString(store_->type())) {
    foreign_resumes_.push_back(c.topic + " resumed on " +
                               std::string(backends::ToString(store_->type())) +
                               " from a position " + writer + " wrote");
  }
  if (!warning.empty()) {
    warnings_.push_back(warning);
    sim_->trace().Event("milvus.bad_position").Kv("channel", c.topic).Kv("warning", warning);
  }
  if (!s.ok()) {
    return absl::Status(
        s.code(), "flusher cannot resume channel " + c.topic + ": " + std::string(s.message()));
  }
  return absl::OkStatus();
}

void MilvusDataPath::StopWrites() {
  if (producer_) sim_->scheduler().Cancel(producer_->id);
  producer_.reset();
}

void MilvusDataPath::Stop() {
  StopWrites();
  for (std::optional<sim::TaskHandle>* t : {&ticker_, &flusher_}) {
    if (*t) sim_->scheduler().Cancel((*t)->id);
    t->reset();
  }
}

sim::Task<void> MilvusDataPath::Producer() {
  sim::Scheduler& s = sim_->scheduler();
  for (;;) {
    co_await s.SleepFor(options_.insert_every);
    Channel& c = channels_[rng_.Below(channels_.size())];
    const int n = static_cast<int>(rng_.Uniform(1, options_.max_rows_per_insert));
    for (int i = 0; i < n; ++i) {
      const uint64_t row = next_row_++;
      const absl::StatusOr<backends::MessageId> id =
          recorder_->Produce(c.topic, "row:" + std::to_string(row) + ":" + std::to_string(Tso()));
      if (id.ok()) acked_rows_[row] = s.now();
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

sim::Task<void> MilvusDataPath::Flusher() {
  sim::Scheduler& s = sim_->scheduler();
  for (;;) {
    co_await s.SleepFor(options_.consume_every);
    for (Channel& c : channels_) {
      absl::StatusOr<std::vector<Message>> got =
          recorder_->Consume(c.topic, kGroup, options_.consume_batch);
      if (!got.ok()) continue;
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
    if (flush_requested_ || s.now() >= next_flush_) {
      bool all_done = true;
      for (Channel& c : channels_) {
        if (!FlushChannel(c).ok()) all_done = false;
      }
      next_flush_ = s.now() + options_.flush_every;
      if (all_done) {
        bool passed = true;
        for (const Channel& c : channels_) passed = passed && c.checkpoint_ts_ns > flush_until_ns_;
        if (passed) flush_requested_ = false;
      }
    }
  }
}

absl::Status MilvusDataPath::FlushChannel(Channel& c) {
  if (!c.last_id) return absl::OkStatus();  // nothing consumed since the last checkpoint
  if (!c.buffer.empty()) {
    std::string rows;
    for (uint64_t r : c.buffer) rows += std::to_string(r) + "\n";
    MQSIM_RETURN_IF_ERROR(
        storage::WriteFileAtomically(*remote_, std::string(kSegments) + "/" + c.topic,
                                     std::to_string(++segments_) + ".seg", rows, /*sync=*/true));
  }
  // Data before metadata: the checkpoint only ever covers rows already in segments.
  // ts, the position, and (for the checker only) the engine that wrote it.
  const std::string ckpt = std::to_string(c.last_ts_ns) + "\n" +
                           Hex(backends::EncodePosition(*recorder_, *c.last_id)) + "\n" +
                           std::string(backends::ToString(store_->type()));
  MQSIM_RETURN_IF_ERROR(
      storage::WriteFileAtomically(*remote_, kCheckpoints, c.topic, ckpt, /*sync=*/true));
  sim_->trace()
      .Event("milvus.checkpoint")
      .Kv("channel", c.topic)
      .Kv("rows", static_cast<uint64_t>(c.buffer.size()));
  c.checkpoint_ts_ns = c.last_ts_ns;
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

absl::Status MilvusDataPath::SwitchTo(backends::SimStore* store, bool ignore_bad_position) {
  Stop();
  sim_->trace().Event("milvus.switch").Kv("to", std::string(backends::ToString(store->type())));
  history_->Add(HistoryEvent{.time_ns = NowNs(),
                             .kind = EventKind::kSwitch,
                             .payload = std::string(backends::ToString(store->type()))});
  MQSIM_RETURN_IF_ERROR(store_->Close());
  return Start(store, ignore_bad_position);
}

absl::StatusOr<std::set<uint64_t>> MilvusDataPath::SegmentRows() {
  std::set<uint64_t> rows;
  for (const Channel& c : channels_) {
    const std::string dir = std::string(kSegments) + "/" + c.topic;
    absl::StatusOr<std::vector<std::string>> files = storage::ListDirectory(*remote_, dir);
    if (!files.ok()) return files.status();
    for (const std::string& f : *files) {
      if (!f.ends_with(".seg")) continue;
      absl::StatusOr<std::string> text = storage::ReadWholeFile(*remote_, dir + "/" + f);
      if (!text.ok()) return text.status();
      size_t pos = 0;
      while (pos < text->size()) {
        const size_t nl = text->find('\n', pos);
        rows.insert(ParseU64(std::string_view(*text).substr(pos, nl - pos)));
        pos = nl + 1;
      }
    }
  }
  return rows;
}

std::optional<Violation> CheckForeignPositions(const MilvusDataPath& path) {
  if (path.foreign_resumes().empty()) return std::nullopt;
  return Violation{Property::kForeignPosition,
                   path.foreign_resumes().front() + ", silently, as if it were its own (" +
                       std::to_string(path.foreign_resumes().size()) + " channels)",
                   {}};
}

std::optional<Violation> CheckFlushBeforeSwitch(MilvusDataPath& path, sim::Time switch_time) {
  absl::StatusOr<std::set<uint64_t>> in_segments = path.SegmentRows();
  if (!in_segments.ok()) {
    return Violation{Property::kFlushBeforeSwitch,
                     "cannot read the object store: " + std::string(in_segments.status().message()),
                     {}};
  }
  uint64_t lost = 0;
  std::optional<std::pair<uint64_t, sim::Time>> first;
  for (const auto& [row, acked_at] : path.acked_rows()) {
    if (acked_at > switch_time || in_segments->count(row) != 0) continue;
    ++lost;
    if (!first) first = {row, acked_at};
  }
  if (lost == 0) return std::nullopt;
  return Violation{Property::kFlushBeforeSwitch,
                   std::to_string(lost) +
                       " acknowledged rows are neither in a segment nor "
                       "readable after the switch (first: row " +
                       std::to_string(first->first) + " acknowledged at " +
                       first->second.ToString() +
                       "); switch mq.type only after a completed FlushAll",
                   {}};
}

}  // namespace mqsim::properties
