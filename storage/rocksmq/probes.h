// The probes of the RocksMQ engine (base/probe.h): paths a sweep should reach, counted by
// coverage and required of the stock scenarios as goals.
#pragma once

namespace mqsim::rocksmq::probes {

// A retention pass deleted pages by the time rule (acked longer ago than retentionTimeInMinutes).
inline constexpr char kRetentionTimeRule[] = "rocksmq/retention/time-rule";
// A retention pass deleted pages by the size rule (acked pages over retentionSizeInMB).
inline constexpr char kRetentionSizeRule[] = "rocksmq/retention/size-rule";
// Opening counted open-page messages written after the last checkpoint.
inline constexpr char kRecoveryOpenPageCounted[] = "rocksmq/recovery/open-page-counted";
// Both databases were reopened after a failed write, and service resumed.
inline constexpr char kRecoveryReopen[] = "rocksmq/recovery/reopen";
// A call was refused while the engine waited to retry a failed reopen.
inline constexpr char kRecoveryBackoff[] = "rocksmq/recovery/backoff";

inline constexpr const char* kAll[] = {kRetentionTimeRule, kRetentionSizeRule,
                                       kRecoveryOpenPageCounted, kRecoveryReopen, kRecoveryBackoff};

}  // namespace mqsim::rocksmq::probes
