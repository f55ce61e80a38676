#include "storage/job_schedule.h"

#include <catch2/catch.hpp>

namespace mqsim::storage {
namespace {

PeriodicJob Interval(const char* name, int64_t us, int* runs) {
  return PeriodicJob{name, us, nullptr, [runs] {
                       ++*runs;
                       return absl::OkStatus();
                     }};
}

TEST_CASE("interval jobs are due one interval after start, then after each run ends") {
  int a = 0, b = 0;
  JobSchedule s;
  s.Start({Interval("a", 10, &a), Interval("b", 4, &b)}, 100);
  auto due = s.Next();
  REQUIRE(due);
  CHECK(due->index == 1);
  CHECK(due->at_us == 104);
  s.Ran(1, 107);  // ended late: the next run is one interval after the end
  due = s.Next();
  CHECK(due->index == 0);
  CHECK(due->at_us == 110);
  s.Ran(0, 110);
  CHECK(s.Next()->at_us == 111);
  CHECK(s.Next()->index == 1);
}

TEST_CASE("equal due times go to the lower index") {
  int a = 0, b = 0;
  JobSchedule s;
  s.Start({Interval("a", 5, &a), Interval("b", 5, &b)}, 0);
  CHECK(s.Next()->index == 0);
}

TEST_CASE("a deadline job is due at its deadline, read again every time") {
  std::optional<int64_t> deadline;
  JobSchedule s;
  s.Start({PeriodicJob{"d", 0, [&] { return deadline; }, [] { return absl::OkStatus(); }}}, 0);
  CHECK(!s.Next());  // no deadline: nothing due
  deadline = 50;
  CHECK(s.Next()->at_us == 50);
  deadline = 20;  // moved earlier
  CHECK(s.Next()->at_us == 20);
}

TEST_CASE("a deadline left due by its run is retried a millisecond later, not at once") {
  std::optional<int64_t> deadline = 20;
  JobSchedule s;
  s.Start({PeriodicJob{"d", 0, [&] { return deadline; }, [] { return absl::OkStatus(); }}}, 0);
  s.Ran(0, 30);  // the job could not do its work: its deadline is still 20
  CHECK(s.Next()->at_us == 30 + kDeadlineRetryUs);
  CHECK(DeadlineStillDue(s.job(0), 30));
  deadline = 5000;  // the work was done meanwhile
  s.Ran(0, 40);
  CHECK(s.Next()->at_us == 5000);
  CHECK_FALSE(DeadlineStillDue(s.job(0), 40));
}

TEST_CASE("Clear forgets every job") {
  int a = 0;
  JobSchedule s;
  s.Start({Interval("a", 5, &a)}, 0);
  s.Clear();
  CHECK(s.empty());
  CHECK(!s.Next());
}

}  // namespace
}  // namespace mqsim::storage
