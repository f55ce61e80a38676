#include "properties/property.h"

#include <array>

#include "base/assert.h"

namespace mqsim::properties {

namespace {

constexpr std::array<std::string_view, 22> kNames = {
    "ordering",
    "no_gap",
    "seek",
    "latest",
    "durability",
    "retention",
    "no_resurrection",
    "nats_limits",
    "flush_before_switch",
    "no_panic",
    "foreign_position",
    "page_accounting",
    "delivery_liveness",
    "flushed_rows",
    "groups_kept",
    "disk_space",
    "startup",
    "recovery",
    "shutdown",
    "switch",
    "config",
    "engine_crash",
};
static_assert(kNames.size() == static_cast<size_t>(Property::kEngineCrash) + 1);

}  // namespace

std::string_view Name(Property p) {
  const auto i = static_cast<size_t>(p);
  MQSIM_ASSERT(i < kNames.size());
  return kNames[i];
}

std::optional<Property> ParseProperty(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Property>(i);
  }
  return std::nullopt;
}

const std::vector<Property>& CheckableProperties() {
  static const std::vector<Property> checkable = [] {
    std::vector<Property> out;
    for (size_t i = 0; i <= static_cast<size_t>(Property::kDiskSpace); ++i) {
      out.push_back(static_cast<Property>(i));
    }
    return out;
  }();
  return checkable;
}

}  // namespace mqsim::properties
