#include "properties/refusal_checker.h"

#include <absl/status/status.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "base/assert.h"

namespace mqsim::properties {

namespace {

// A crash this soon after a refused call ended cut it short: the disk went away inside the
// call, and the process dies when the call has finished its (slow) disk operations.
constexpr int64_t kCutShortNs = 1'000'000'000;

// A cause that began before the call returned (a fault point that failed halfway through a
// call stalled on the disk) explains it, as does a crash right after.
int64_t LatestCauseStart(const HistoryEvent& e) {
  return std::max(e.time_ns, e.end_ns) + kCutShortNs;
}

bool IsCall(EventKind kind) {
  switch (kind) {
    case EventKind::kCrash:
    case EventKind::kPowerLoss:
    case EventKind::kRecover:
    case EventKind::kReadAll:
    case EventKind::kFlushAll:
    case EventKind::kRetention:
    case EventKind::kSwitch:
    case EventKind::kAccounting:
    case EventKind::kSync:
    case EventKind::kCompaction:
      return false;
    default:
      return true;
  }
}

std::string Seconds(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f s", static_cast<double>(ns) / 1e9);
  return buf;
}

Violation Unexplained(const HistoryEvent& e, size_t i, int64_t last_end) {
  std::string detail = "topic " + e.topic + ": " + std::string(ToString(e.kind)) + " refused (" +
                       absl::StatusCodeToString(static_cast<absl::StatusCode>(e.code)) + ") at " +
                       Seconds(e.time_ns);
  if (last_end == INT64_MIN) {
    detail += ", and no full disk, failing fault point or crash came before it";
  } else {
    detail += ", " + Seconds(e.time_ns - last_end) +
              " after the last full disk, failing fault point or crash ended";
  }
  return Violation{Property::kRecovery, detail + ": the store did not recover", {i}};
}

}  // namespace

bool IsRefusal(int code) {
  switch (static_cast<absl::StatusCode>(code)) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kDeadlineExceeded:
      return true;
    default:
      return false;
  }
}

std::optional<Violation> CheckRefusalsExplained(const History& h,
                                                std::vector<std::pair<int64_t, int64_t>> causes,
                                                sim::Duration bound) {
  for (const HistoryEvent& e : h.events()) {
    if (e.kind == EventKind::kCrash || e.kind == EventKind::kPowerLoss) {
      causes.emplace_back(e.time_ns, e.time_ns);
    }
  }
  std::sort(causes.begin(), causes.end());
  size_t next = 0;
  int64_t last_end = INT64_MIN;  // the latest end among the causes begun so far
  size_t i = 0;
  for (const HistoryEvent& e : h.events()) {
    const size_t at = i++;
    if (e.ok || !IsCall(e.kind) || !IsRefusal(e.code)) continue;
    for (; next < causes.size() && causes[next].first <= LatestCauseStart(e); ++next) {
      MQSIM_ASSERT(causes[next].first <= causes[next].second);
      last_end = std::max(last_end, causes[next].second);
    }
    if (last_end == INT64_MIN || last_end < e.time_ns - bound.nanos()) {
      return Unexplained(e, at, last_end);
    }
  }
  return std::nullopt;
}

}  // namespace mqsim::properties
