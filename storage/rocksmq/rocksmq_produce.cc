// RocksMQ::Produce, in three steps: plan (the ids, durably reserved first when they pass the
// reservation; then the keys: messages, the page records of the pages they close, a
// checkpoint), commit (the write batch; in bug mode page_meta_torn the page bookkeeping in a
// second batch) and apply (the ids, then the pages, to the in-memory topic).
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <utility>

#include "base/assert.h"
#include "base/bug_modes.h"
#include "base/buggify.h"
#include "base/fault_point.h"
#include "base/status_macros.h"
#include "storage/rocksmq/fault_points.h"
#include "storage/rocksmq/rocksmq.h"
#include "storage/rocksmq/rocksmq_internal.h"

namespace mqsim::rocksmq {

using internal::CheckpointEveryProduce;
using internal::Synced;

namespace {

// Ids are reserved durably in blocks, so a power loss that drops unsynced messages never
// lets their ids be handed out again.
constexpr MessageId kIdReservationBlock = 1 << 20;

// A Produce writes the "/hwm/" and "/open/" checkpoint (key_codec.h) when a page closes or
// when this much was produced since the last one, so recovery reads at most about this
// much. Not on every Produce: the two records sort far from the topic's messages, and
// inserting them costs RocksDB's memtable two skip-list searches from the top per batch,
// where message keys alone are appends (most of the gap to a raw WriteBatch).
constexpr MessageId kCheckpointMessages = 1024;
constexpr uint64_t kCheckpointBytes = 1 << 20;

// Room for a WriteBatch of these messages, so it is not regrown while it is filled.
size_t BatchBytes(std::string_view topic, std::span<const std::string> payloads) {
  constexpr size_t kBatchOverhead = 12 + 2 * 64;     // header, checkpoint and page records
  constexpr size_t kPerMessage = 1 + 5 + 5 + 1 + 8;  // tag, two varints, '/', id
  size_t bytes = kBatchOverhead;
  for (const std::string& p : payloads) bytes += kPerMessage + topic.size() + p.size();
  return bytes;
}

}  // namespace

// One Produce, planned before its messages are written.
struct RocksMQ::ProducePlan {
  explicit ProducePlan(size_t batch_bytes) : batch(batch_bytes) {}

  MessageId first = 0;  // the ids: first..last
  MessageId last = 0;
  std::vector<MessageId> ids;
  rocksdb::WriteBatch batch;       // messages, and (unless torn) page records and checkpoint
  rocksdb::WriteBatch page_batch;  // bug mode page_meta_torn: page records and checkpoint
  bool torn = false;               // bug mode page_meta_torn
  rocksdb::WriteOptions write_options;
  uint64_t open_bytes = 0;                               // the open page's bytes after this Produce
  std::vector<std::pair<MessageId, PageRecord>> closed;  // the pages it closes
  bool checkpoint = false;                               // it writes a checkpoint
};

void RocksMQ::PutCheckpoint(const std::string& name, MessageId hwm, uint64_t open_bytes,
                            rocksdb::WriteBatch& batch, rocksdb::WriteBatch& page_batch) {
  batch.Put(HighWaterKey(name), EncodeU64(static_cast<uint64_t>(hwm)));
  page_batch.Put(OpenPageKey(name), EncodeU64(open_bytes));
}

absl::StatusOr<std::vector<MessageId>> RocksMQ::Produce(std::string_view topic,
                                                        std::span<const std::string> payloads) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Topic*> found = FindTopic(topic);
  if (!found.ok()) return found.status();
  Topic& t = **found;
  const std::string name(topic);
  if (payloads.empty()) {
    return absl::InvalidArgumentError("produce to topic \"" + name + "\": no messages");
  }
  // Plan the ids, reserved durably before any is handed out; then the keys.
  ProducePlan plan(BatchBytes(name, payloads));
  plan.first = std::max(t.high_water_mark, t.id_floor) + 1;
  plan.last = plan.first + static_cast<MessageId>(payloads.size()) - 1;
  if (plan.last > t.reserved) MQSIM_RETURN_IF_ERROR(ReserveIds(name, t, plan.last));
  PlanBatch(name, t, payloads, plan);
  // Commit the messages: from here on their ids are taken, whatever fails next.
  MQSIM_RETURN_IF_ERROR(Write(store_.get(), plan.write_options, &plan.batch, "produce to " + name,
                              points::kProduceBeforeWrite));
  ApplyIds(name, t, plan);
  if (plan.torn) MQSIM_RETURN_IF_ERROR(CommitTornPages(name, plan));
  ApplyPages(t, plan);
  if (MQSIM_BUGGIFY(points::kBuggifyFlush)) {
    rocksdb::FlushOptions fo;
    fo.wait = false;  // scheduled as a background job, never waited for inline
    fo.allow_write_stall = true;
    (void)store_->Flush(fo);
  }
  // New closed pages may already be behind every group (e.g. after SeekToLatest). The
  // messages are stored whatever happens to this bookkeeping (see Consume).
  (void)UpdateAcks(name, t);
  // The messages are stored; only the caller does not learn it (as a lost reply). In bug
  // mode page_meta_torn the point was evaluated between the two writes instead (once per
  // Produce either way).
  if (!plan.torn && MQSIM_FAULT_POINT(points::kProduceAfterWrite)) {
    return base::InjectedFault(points::kProduceAfterWrite, "acknowledging produce to " + name);
  }
  return std::move(plan.ids);
}

absl::Status RocksMQ::ReserveIds(const std::string& name, Topic& t, MessageId last) {
  const MessageId reserve =
      last + (MQSIM_BUGGIFY(points::kBuggifySmallReservation) ? 1 : kIdReservationBlock);
  rocksdb::WriteBatch reservation;
  reservation.Put(ReservationKey(name), EncodeU64(static_cast<uint64_t>(reserve)));
  MQSIM_RETURN_IF_ERROR(
      Write(store_.get(), Synced(), &reservation, "reserve ids for " + name, points::kReserveIds));
  t.reserved = reserve;
  return absl::OkStatus();
}

void RocksMQ::PlanBatch(const std::string& name, const Topic& t,
                        std::span<const std::string> payloads, ProducePlan& plan) const {
  const int64_t now = NowMs();
  plan.torn = MQSIM_BUG(kPageMetaTorn);
  rocksdb::WriteBatch& page_writes = plan.torn ? plan.page_batch : plan.batch;
  plan.open_bytes = t.open_bytes;
  // The open page starts after the last closed page; with none, at the first surviving
  // message (or, on an empty topic, at this batch).
  MessageId page_first = !t.pages.empty()                 ? t.pages.rbegin()->first + 1
                         : t.first_id > t.high_water_mark ? plan.first
                                                          : t.first_id;
  plan.ids.reserve(payloads.size());
  MessageKeyBuilder keys(name);
  for (size_t i = 0; i < payloads.size(); ++i) {
    const MessageId id = plan.first + static_cast<MessageId>(i);
    plan.batch.Put(keys.Key(id), payloads[i]);
    plan.ids.push_back(id);
    const uint64_t size = payloads[i].size();
    if (plan.open_bytes + size > static_cast<uint64_t>(options_.page_size_bytes)) {
      const PageRecord page{page_first, plan.open_bytes + size, now, 0};
      page_writes.Put(PageKey(name, id), EncodePage(page));
      plan.closed.emplace_back(id, page);
      plan.open_bytes = 0;
      page_first = id + 1;
    } else {
      plan.open_bytes += size;
    }
  }
  // Between checkpoints no page closes: the open page only grew.
  const bool every = CheckpointEveryProduce();
  MQSIM_ASSERT(every || !plan.closed.empty() || plan.open_bytes >= t.checkpoint_open_bytes);
  plan.checkpoint = every || !plan.closed.empty() ||
                    plan.last - t.checkpoint_id >= kCheckpointMessages ||
                    plan.open_bytes - t.checkpoint_open_bytes >= kCheckpointBytes;
  if (plan.checkpoint) PutCheckpoint(name, plan.last, plan.open_bytes, plan.batch, page_writes);
  plan.write_options.sync = options_.produce_sync && !MQSIM_BUG(kSkipWalSync);  // bug: no fsync
}

void RocksMQ::ApplyIds(const std::string& name, Topic& t, const ProducePlan& plan) {
  if (t.first_id > t.high_water_mark) t.first_id = plan.first;  // the topic was empty
  t.high_water_mark = plan.last;
  SignalSubscriptions(name);
}

absl::Status RocksMQ::CommitTornPages(const std::string& name, ProducePlan& plan) {
  // Bug mode page_meta_torn (Milvus Produce): the messages are written, then the page
  // bookkeeping in a second write. A failure or crash in between leaves stored messages
  // that no page accounts for, and recovery does not repair it.
  if (MQSIM_FAULT_POINT(points::kProduceAfterWrite)) {
    return base::InjectedFault(points::kProduceAfterWrite, "page bookkeeping of " + name);
  }
  return Write(store_.get(), plan.write_options, &plan.page_batch, "page bookkeeping of " + name,
               nullptr);
}

void RocksMQ::ApplyPages(Topic& t, const ProducePlan& plan) {
  t.open_bytes = plan.open_bytes;
  if (plan.checkpoint) {
    t.checkpoint_id = plan.last;
    t.checkpoint_open_bytes = plan.open_bytes;
  }
  for (const auto& [id, page] : plan.closed) t.pages.emplace(id, page);
}

}  // namespace mqsim::rocksmq
