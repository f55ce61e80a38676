#include "tests/rocksdb_stress.h"

#include <rocksdb/listener.h>
#include <rocksdb/table.h>
#include <xxhash.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "base/assert.h"

namespace mqsim::sim {

namespace {
constexpr ProcessId kDbProcess = 1;
}

// ------------------------------------------------------------------ workload

StressOp StressWorkload::Next() {
  StressOp op{};
  op.index = next_index_++;
  const uint64_t x = rng_.Below(100'000);
  if (x < 5)
    op.kind = StressOp::kFlush;
  else if (x < 6)
    op.kind = StressOp::kCompactFiles;
  else if (x < 150)
    op.kind = StressOp::kDeleteRange;
  else if (x < 6000)
    op.kind = StressOp::kDelete;
  else
    op.kind = StressOp::kPut;
  op.key = static_cast<uint32_t>(rng_.Below(key_space_));
  if (op.kind == StressOp::kDeleteRange) {
    op.key_end = op.key + 1 + static_cast<uint32_t>(rng_.Below(40));
  }
  if (op.kind == StressOp::kPut) op.value_bytes = static_cast<uint32_t>(rng_.Uniform(100, 999));
  op.sync = op.kind <= StressOp::kDeleteRange && sync_one_in_ > 0 && rng_.Below(sync_one_in_) == 0;
  return op;
}

std::string StressWorkload::Key(uint32_t k) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "k%08u", k);
  return buf;
}

std::string StressWorkload::Value(const StressOp& op) const {
  // About two thirds compressible: 16-letter alphabet, word changes every few bytes.
  std::string v(op.value_bytes, '\0');
  uint64_t word = Mix64(seed_ ^ (op.index * 0x9e3779b97f4a7c15ULL));
  for (size_t i = 0; i < v.size(); ++i) {
    if (i % 8 == 0 && (word & 3) == 0) word = Mix64(word + i);
    v[i] = static_cast<char>('a' + ((word >> ((i % 8) * 8)) & 15));
  }
  return v;
}

rocksdb::Options StressDbOptions() {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.write_buffer_size = 256 << 10;
  o.target_file_size_base = 256 << 10;
  o.max_bytes_for_level_base = 1 << 20;
  o.level0_file_num_compaction_trigger = 4;
  o.max_background_jobs = 4;
  return o;
}

rocksdb::Status ApplyStressOp(rocksdb::DB* db, const StressWorkload& workload, const StressOp& op) {
  rocksdb::WriteOptions wo;
  wo.sync = op.sync;
  switch (op.kind) {
    case StressOp::kPut:
      return db->Put(wo, StressWorkload::Key(op.key), workload.Value(op));
    case StressOp::kDelete:
      return db->Delete(wo, StressWorkload::Key(op.key));
    case StressOp::kDeleteRange:
      return db->DeleteRange(wo, db->DefaultColumnFamily(), StressWorkload::Key(op.key),
                             StressWorkload::Key(op.key_end));
    case StressOp::kFlush: {
      rocksdb::FlushOptions fo;
      fo.wait = false;              // never block the simulation thread
      fo.allow_write_stall = true;  // skip WaitUntilFlushWouldNotStallWrites
      return db->Flush(fo);
    }
    case StressOp::kCompactFiles: {
      rocksdb::ColumnFamilyMetaData meta;
      db->GetColumnFamilyMetaData(&meta);
      std::vector<std::string> inputs;
      for (const auto& f : meta.levels[0].files) {
        if (!f.being_compacted) inputs.push_back(f.name);
      }
      if (inputs.size() < 2) return rocksdb::Status::OK();
      return db->CompactFiles(rocksdb::CompactionOptions(), inputs, 1);
    }
  }
  return rocksdb::Status::OK();
}

// ------------------------------------------------------------------ simulated stress

class RocksDbStress::Listener : public rocksdb::EventListener {
 public:
  void OnFlushCompleted(rocksdb::DB*, const rocksdb::FlushJobInfo&) override { ++flushes; }
  void OnCompactionCompleted(rocksdb::DB*, const rocksdb::CompactionJobInfo&) override {
    ++compactions;
  }
  uint64_t flushes = 0;
  uint64_t compactions = 0;
};

RocksDbStress::RocksDbStress(Simulation* sim, Options options)
    : sim_(sim),
      options_(options),
      workload_(options.workload_seed, options.key_space, options.sync_one_in),
      fs_(std::make_shared<SimFileSystem>(&sim->clock(), sim->Stream("disk"), &sim->trace(),
                                          options.disk)),
      env_(std::make_unique<SimEnv>(&sim->scheduler(), fs_, sim->Stream("env"), kDbProcess)),
      listener_(std::make_shared<Listener>()) {
  fs_->MakeDirs(options_.db_path);
  db_options_ = SimRocksDbOptions(env_.get(), StressDbOptions());
  db_options_.listeners.push_back(listener_);
}

RocksDbStress::~RocksDbStress() {
  if (db_) (void)Close();
}

uint64_t RocksDbStress::flushes() const { return listener_->flushes; }
uint64_t RocksDbStress::compactions() const { return listener_->compactions; }

rocksdb::Status RocksDbStress::Open() {
  MQSIM_ASSERT(db_ == nullptr);
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options_, options_.db_path, &raw);
  db_.reset(raw);
  return s;
}

Task<void> RocksDbStress::Workload(uint64_t n, rocksdb::Status* first_error) {
  Scheduler& sched = sim_->scheduler();
  for (uint64_t i = 0; i < n; ++i) {
    const StressOp op = workload_.Next();
    const rocksdb::Status s = ApplyStressOp(db_.get(), workload_, op);
    if (op.kind <= StressOp::kDeleteRange) {
      if (!s.ok()) {
        // Its fate is unknown: the WAL record may have reached the page cache.
        uncertain_.push_back(Acked{op, last_acked_seq_ + 1});
        *first_error = s;
        co_return;
      }
      const uint64_t seq = db_->GetLatestSequenceNumber();
      MQSIM_ASSERT_MSG(seq == last_acked_seq_ + 1, "one sequence number per write");
      acked_.push_back(Acked{op, seq});
      last_acked_seq_ = seq;
      if (op.sync) last_synced_seq_ = seq;
    }
    co_await sched.Yield();
  }
}

rocksdb::Status RocksDbStress::RunOps(uint64_t n) {
  MQSIM_ASSERT(db_ != nullptr);
  rocksdb::Status first_error;
  sim_->scheduler().Spawn(
      "stress-workload", [this, n, &first_error] { return Workload(n, &first_error); },
      SpawnOptions{.process = kDbProcess});
  const RunResult r = sim_->scheduler().RunUntilQuiescent();
  MQSIM_ASSERT_MSG(r.outcome == RunOutcome::kQuiescent, r.ToString().c_str());
  return first_error;
}

void RocksDbStress::Abandon() {
  sim_->scheduler().CancelProcess(kDbProcess);
  AbandonDb(std::move(db_), env_.get());
}

void RocksDbStress::CrashProcess() {
  Abandon();
  must_survive_seq_ = last_acked_seq_;
}

void RocksDbStress::PowerLoss(PowerLossMode mode) {
  Abandon();
  fs_->PowerLoss(mode);
  must_survive_seq_ = last_synced_seq_;
}

rocksdb::Status RocksDbStress::Close() {
  env_->DrainJobs();
  rocksdb::Status s = db_->Close();
  db_.reset();
  return s;
}

StressCheck RocksDbStress::Recover() {
  StressCheck check;
  const rocksdb::Status s = Open();
  if (!s.ok()) {
    check.ok = false;
    check.problem = "recovery failed: " + s.ToString();
    return check;
  }
  check = Check();
  // The model forgets what was legitimately lost; the uncertain write is either in or out.
  const uint64_t recovered = check.recovered_seq;
  for (const Acked& a : uncertain_) {
    if (a.seq <= recovered) acked_.push_back(a);
  }
  uncertain_.clear();
  std::erase_if(acked_, [&](const Acked& a) { return a.seq > recovered; });
  last_acked_seq_ = recovered;
  last_synced_seq_ = std::min(last_synced_seq_, recovered);
  must_survive_seq_ = 0;
  return check;
}

StressCheck RocksDbStress::Check() const {
  StressCheck check;
  check.recovered_seq = db_->GetLatestSequenceNumber();
  if (check.recovered_seq < must_survive_seq_) {
    check.ok = false;
    check.problem = "recovered to sequence " + std::to_string(check.recovered_seq) +
                    ", behind write " + std::to_string(must_survive_seq_) + " that had to survive";
  }
  const uint64_t possible = last_acked_seq_ + uncertain_.size();
  if (check.recovered_seq > possible) {
    check.ok = false;
    check.problem = "recovered to sequence " + std::to_string(check.recovered_seq) +
                    ", beyond every write attempted (" + std::to_string(possible) + ")";
  }
  // The model: every acknowledged (or uncertain) write up to the recovered sequence.
  std::map<std::string, std::string> model;
  auto apply = [&](const Acked& a) {
    if (a.seq > check.recovered_seq) return;
    const StressOp& op = a.op;
    if (op.kind == StressOp::kPut) {
      model[StressWorkload::Key(op.key)] = workload_.Value(op);
    } else if (op.kind == StressOp::kDelete) {
      model.erase(StressWorkload::Key(op.key));
    } else {
      model.erase(model.lower_bound(StressWorkload::Key(op.key)),
                  model.lower_bound(StressWorkload::Key(op.key_end)));
    }
  };
  for (const Acked& a : acked_) apply(a);
  for (const Acked& a : uncertain_) apply(a);

  std::map<std::string, std::string> content;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  uint64_t h = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    h = Mix64(h ^ XXH3_64bits(it->key().data(), it->key().size()));
    h = Mix64(h ^ XXH3_64bits(it->value().data(), it->value().size()));
    content.emplace(it->key().ToString(), it->value().ToString());
  }
  check.keys = content.size();
  if (!it->status().ok()) {
    check.ok = false;
    check.problem = "iterator: " + it->status().ToString();
  } else if (content != model && check.ok) {
    check.ok = false;
    auto a = content.begin();
    auto b = model.begin();
    while (a != content.end() && b != model.end() && *a == *b) ++a, ++b;
    const std::string db_side = a == content.end() ? "nothing" : "key " + a->first;
    const std::string model_side = b == model.end() ? "nothing" : "key " + b->first;
    check.problem =
        "content differs from the model at sequence " + std::to_string(check.recovered_seq) +
        ": DB has " + db_side + ", model has " + model_side +
        (a != content.end() && b != model.end() && a->first == b->first ? " (different values)"
                                                                        : "");
  }
  check.content_hash = h;
  return check;
}

}  // namespace mqsim::sim
