#include "sim/time.h"

#include <cinttypes>
#include <cstdio>

namespace mqsim::sim {

std::string Duration::ToString() const {
  int64_t ns = ns_;
  std::string out;
  if (ns < 0) {
    out = "-";
    ns = -ns;
  }
  const int64_t hours = ns / Hours(1).nanos();
  ns %= Hours(1).nanos();
  const int64_t minutes = ns / Minutes(1).nanos();
  ns %= Minutes(1).nanos();
  const int64_t secs = ns / Seconds(1).nanos();
  ns %= Seconds(1).nanos();
  char buf[64];
  if (hours > 0) {
    std::snprintf(buf, sizeof buf, "%" PRId64 "h%02" PRId64 "m%02" PRId64, hours, minutes, secs);
  } else if (minutes > 0) {
    std::snprintf(buf, sizeof buf, "%" PRId64 "m%02" PRId64, minutes, secs);
  } else {
    std::snprintf(buf, sizeof buf, "%" PRId64, secs);
  }
  out += buf;
  if (ns != 0) {
    std::snprintf(buf, sizeof buf, ".%09" PRId64, ns);
    std::string frac(buf);
    while (frac.back() == '0') frac.pop_back();
    out += frac;
  }
  out += "s";
  return out;
}

std::optional<Duration> Duration::Parse(std::string_view text) {
  if (text == "0") return Zero();
  if (text.empty()) return std::nullopt;
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    int64_t value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (value > (std::numeric_limits<int64_t>::max() - 9) / 10) return std::nullopt;
      value = value * 10 + (text[i] - '0');
      ++i;
    }
    if (i == start) return std::nullopt;
    size_t unit_start = i;
    while (i < text.size() && text[i] >= 'a' && text[i] <= 'z') ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    int64_t scale = 0;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us")
      scale = Micros(1).nanos();
    else if (unit == "ms")
      scale = Millis(1).nanos();
    else if (unit == "s")
      scale = Seconds(1).nanos();
    else if (unit == "m")
      scale = Minutes(1).nanos();
    else if (unit == "h")
      scale = Hours(1).nanos();
    else
      return std::nullopt;
    if (value > (std::numeric_limits<int64_t>::max() - total) / scale) return std::nullopt;
    total += value * scale;
  }
  return Nanos(total);
}

}  // namespace mqsim::sim
