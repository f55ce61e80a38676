#include "base/bug_modes.h"

namespace mqsim::base {

namespace {

uint64_t g_active = 0;

// The registry, in enum order.
constexpr BugInfo kBugs[] = {
    {Bug::kAckOffByOne, "ack_off_by_one",
     "a page counts as consumed when a group sits exactly on its last id, so retention deletes a "
     "message the group has not read",
     "Milvus ack rule", "retention (deleted before every group read it)"},
    {Bug::kAckPageMissed, "ack_page_missed",
     "with groups at different speeds some closed page never gets an ack time; disk grows "
     "forever",
     "milvus#19574, PR #19592", "retention liveness"},
    {Bug::kAckRefresh, "ack_refresh",
     "ack time is refreshed on every re-consume, retention happens late", "Milvus ack rule",
     "retention time bound"},
    {Bug::kDestroyKeepsData, "destroy_keeps_data",
     "DestroyTopic leaves message data; a re-created topic returns old messages", "milvus#18288",
     "no resurrection (new topic starts empty)"},
    {Bug::kSeekBackwardAbort, "seek_backward_abort", "seeking backwards aborts the process",
     "milvus#20079, #27535, #40046", "seek never crashes"},
    {Bug::kSeekMissingToEarliest, "seek_missing_to_earliest",
     "seeking to a missing id jumps to the earliest message, re-delivering old ones",
     "milvus#27535, #40733", "seek lower bound"},
    {Bug::kLatestPrefix, "latest_prefix",
     "GetLatestMsg matches by string prefix, returns another topic's id", "milvus#11027",
     "latest in ids(topic)"},
    {Bug::kDecimalKeys, "decimal_keys", "ids stored as decimal strings: 10 sorts before 9",
     "Milvus key layout", "ordering"},
    {Bug::kMetaBeforeData, "meta_before_data",
     "retention deletes page metadata before messages; a crash in between leaks messages forever",
     "PR #9694", "no resurrection (seeks find the leaked messages); retention bound"},
    {Bug::kIdReuseAfterRetention, "id_reuse_after_retention",
     "after every message is retained away and the engine restarts, ids start again and can "
     "repeat",
     "Milvus id allocator", "ids strictly increase"},
    {Bug::kSkipWalSync, "skip_wal_sync", "produce with sync requested does not fsync", "classic",
     "durability after power loss"},
    {Bug::kPageMetaTorn, "page_meta_torn",
     "message write and page metadata update are not atomic and not repaired on recovery",
     "Milvus Produce", "page accounting after a crash"},
    {Bug::kLostWakeup, "lost_wakeup",
     "a blocked subscriber is not woken when a message arrives while its buffer is full",
     "milvus#34045, #27801", "delivery liveness"},
    {Bug::kSwitchWithoutFlush, "switch_without_flush",
     "the operator switches mq.type without FlushAll; unflushed rows vanish",
     "flush-before-switch rule", "flush_before_switch"},
    {Bug::kForeignPositionSilent, "foreign_position_silent",
     "a position written by one engine is accepted silently by another and reading starts "
     "elsewhere",
     "milvus#26002, #33122", "foreign position rejected"},
    {Bug::kNatsBytesPayloadOnly, "nats_bytes_payload_only",
     "the NATS store counts only payload bytes against maxBytes", "JetStream accounting",
     "store accounting"},
    {Bug::kNatsExpireLate, "nats_expire_late",
     "maxAge expiry only runs on publish, so an idle stream keeps expired messages",
     "JetStream expiry", "NATS maxAge bound"},
    {Bug::kGcPauseDropsTimer, "gc_pause_drops_timer",
     "a slow-GC pause swallows a due timer (retention tick or expiry) instead of running it late",
     "slow GC", "retention liveness"},
    {Bug::kNatsRolloverNullWriter, "nats_rollover_null_writer",
     "a block rollover drops its writer before the new block is open; when the rollover fails, the "
     "next publish writes through the missing writer and the process dies",
     "mqsim's natsmq, found by a 1,000-seed swarm", "engine crash"},
    {Bug::kCheckpointAheadOfSegment, "checkpoint_ahead_of_segment",
     "the data node checkpoints a channel before the rows it buffered are in a segment (they "
     "follow at the next flush); a crash in between loses them",
     "Milvus data node checkpoint rule", "flushed rows after a crash"},
    {Bug::kResumeIncludesCheckpoint, "resume_includes_checkpoint",
     "a restarted data node seeks to its checkpoint's message instead of the one after it; the "
     "last row before the restart is flushed twice",
     "msgstream Seek includeCurrentMsg", "no row in two segments"},
};

}  // namespace

const std::vector<BugInfo>& AllBugs() {
  static const std::vector<BugInfo> bugs(std::begin(kBugs), std::end(kBugs));
  return bugs;
}

std::optional<Bug> ParseBug(std::string_view name) {
  for (const BugInfo& b : AllBugs()) {
    if (b.name == name) return b.bug;
  }
  return std::nullopt;
}

const BugInfo& Info(Bug bug) { return AllBugs()[static_cast<size_t>(bug)]; }

void SetBugs(uint64_t mask) { g_active = mask; }
uint64_t ActiveBugs() { return g_active; }
bool BugOn(Bug b) { return (g_active & BugMask(b)) != 0; }

}  // namespace mqsim::base
