// Bug modes: the real message-storage bugs of docs/bugs.md, put back into our
// engines at the place where each lived, one switch per bug, to prove mqsim finds them.
//
//   if (MQSIM_BUG(kDecimalKeys)) { ...the buggy way... } else { ...the right way... }
//
// All are off unless a run switches them on (`mqsim run --bug decimal_keys`, tests). A
// production build compiles every site out: build with -DMQSIM_NO_BUG_MODES
// (`bazel build --config=production`). Adding a bug mode is one enum value and one row in
// bug_modes.cc, plus the line at its site.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace mqsim::base {

enum class Bug : uint32_t {
  kAckOffByOne,
  kAckPageMissed,
  kAckRefresh,
  kDestroyKeepsData,
  kSeekBackwardAbort,
  kSeekMissingToEarliest,
  kLatestPrefix,
  kDecimalKeys,
  kMetaBeforeData,
  kIdReuseAfterRetention,
  kSkipWalSync,
  kPageMetaTorn,
  kLostWakeup,
  kSwitchWithoutFlush,
  kForeignPositionSilent,
  kNatsBytesPayloadOnly,
  kNatsExpireLate,
  kGcPauseDropsTimer,
  kNatsRolloverNullWriter,
  kCheckpointAheadOfSegment,
  kResumeIncludesCheckpoint,
  kCount
};

struct BugInfo {
  Bug bug;
  std::string_view name;     // as on the command line: "ack_off_by_one"
  std::string_view what;     // what goes wrong
  std::string_view origin;   // where it came from (Milvus issue, classic)
  std::string_view catcher;  // the property expected to catch it
};

const std::vector<BugInfo>& AllBugs();
std::optional<Bug> ParseBug(std::string_view name);
const BugInfo& Info(Bug bug);

// The switches of this process (one simulated run at a time).
void SetBugs(uint64_t mask);
uint64_t ActiveBugs();
inline uint64_t BugMask(Bug b) { return uint64_t{1} << static_cast<uint32_t>(b); }
bool BugOn(Bug b);

}  // namespace mqsim::base

#ifdef MQSIM_NO_BUG_MODES
#define MQSIM_BUG(name) false
#else
#define MQSIM_BUG(name) (::mqsim::base::BugOn(::mqsim::base::Bug::name))
#endif
