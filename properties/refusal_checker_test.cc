#include "properties/refusal_checker.h"

#include <absl/status/status.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace mqsim::properties {
namespace {

constexpr int64_t kSec = 1'000'000'000;

HistoryEvent Call(int64_t t, absl::StatusCode code, EventKind kind = EventKind::kProduce) {
  HistoryEvent e{.time_ns = t, .kind = kind, .topic = "t", .ok = code == absl::StatusCode::kOk};
  e.code = static_cast<int>(code);
  return e;
}

std::string Check(std::vector<HistoryEvent> events,
                  std::vector<std::pair<int64_t, int64_t>> causes = {}) {
  History h;
  for (auto& e : events) h.Add(std::move(e));
  const auto v = CheckRefusalsExplained(h, std::move(causes), sim::Duration::Seconds(20));
  return v ? std::string(Name(v->property)) + ": " + v->detail : std::string();
}

TEST_CASE("Refusals: every refusal has a cause within the bound before it") {
  using C = absl::StatusCode;
  // A full disk from 10 s to 40 s: refusals during it and up to 20 s after are explained.
  const std::vector<std::pair<int64_t, int64_t>> disk = {{10 * kSec, 40 * kSec}};
  CHECK(Check({Call(5 * kSec, C::kOk), Call(12 * kSec, C::kResourceExhausted),
               Call(55 * kSec, C::kUnavailable), Call(61 * kSec, C::kOk)},
              disk)
            .empty());
  // Still refusing 25 s after the disk has room again: the store never reopened.
  CHECK(
      Check({Call(12 * kSec, C::kResourceExhausted), Call(65 * kSec, C::kResourceExhausted)}, disk)
          .find("25.0 s after the last full disk") != std::string::npos);
  // A refusal with no cause at all.
  CHECK(Check({Call(3 * kSec, C::kUnavailable, EventKind::kConsume)})
            .find("recovery: topic t: consume refused (UNAVAILABLE) at 3.0 s, and no full disk") !=
        std::string::npos);
  // A failing fault point (an instant) explains what follows within the bound.
  CHECK(Check({Call(30 * kSec, C::kUnavailable)}, {{15 * kSec, 15 * kSec}}).empty());
  CHECK(!Check({Call(36 * kSec, C::kUnavailable)}, {{15 * kSec, 15 * kSec}}).empty());
  // A crash that cut the call short comes just after it, in the history.
  HistoryEvent crash{.time_ns = 7 * kSec + kSec / 2, .kind = EventKind::kCrash};
  CHECK(Check({Call(7 * kSec, C::kUnavailable), crash}).empty());
  CHECK(!Check({Call(6 * kSec, C::kUnavailable), crash}).empty());
  // A call stalled on the disk for 2 s, refused by a fault point that failed inside it: the
  // cause began after the call did, but before it returned.
  HistoryEvent stalled = Call(kSec / 100, C::kUnavailable);
  stalled.end_ns = 2 * kSec;
  CHECK(Check({stalled}, {{2 * kSec, 2 * kSec}}).empty());
  // Without the recorded return, the same cause comes too late.
  CHECK(!Check({Call(kSec / 100, C::kUnavailable)}, {{2 * kSec, 2 * kSec}}).empty());
  // A cause after the call returned (and past the second a crash may follow) explains nothing.
  CHECK(!Check({stalled}, {{3 * kSec + kSec / 10, 4 * kSec}}).empty());
  // Answers about the call itself are not refusals.
  CHECK(Check({Call(3 * kSec, C::kNotFound), Call(4 * kSec, C::kFailedPrecondition),
               Call(5 * kSec, C::kInvalidArgument)})
            .empty());
}

}  // namespace
}  // namespace mqsim::properties
