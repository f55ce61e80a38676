// Property: everything a run is judged by, each with the one name it has everywhere: a
// scenario's `checks:` and `expect_failure:`, RESULT lines, JSON, the bug catalogue.
//
// The first group is judged from the recorded history by the checkers, and a scenario may
// select among them with `checks:`. The second group are verdicts on the run itself that
// always apply: the store did not start or recover, did not stop cleanly, an mq.type switch
// or the configuration failed, or the engine killed its process.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace mqsim::properties {

enum class Property : uint8_t {
  kOrdering,
  kNoGap,
  kSeek,
  kLatest,
  kDurability,
  kRetention,
  kNoResurrection,
  kNatsLimits,
  kFlushBeforeSwitch,
  kNoPanic,
  kForeignPosition,
  kPageAccounting,
  kDeliveryLiveness,
  kFlushedRows,
  kGroupsKept,
  kDiskSpace,
  // Verdicts on the run itself.
  kStartup,
  kRecovery,
  kShutdown,
  kSwitch,
  kConfig,
  kEngineCrash,
};

// "ordering", "no_gap", ..., "engine_crash".
std::string_view Name(Property p);
std::optional<Property> ParseProperty(std::string_view name);
// The properties a scenario may name in `checks:`, in the order above.
const std::vector<Property>& CheckableProperties();

}  // namespace mqsim::properties
