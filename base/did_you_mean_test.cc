#include "base/did_you_mean.h"

#include <catch2/catch.hpp>

namespace mqsim::base {
namespace {

TEST_CASE("edit distance") {
  CHECK(EditDistance("", "") == 0);
  CHECK(EditDistance("topics", "topics") == 0);
  CHECK(EditDistance("topicz", "topics") == 1);
  CHECK(EditDistance("kitten", "sitting") == 3);
  CHECK(EditDistance("", "abc") == 3);
}

TEST_CASE("a close name is suggested, a far one is not") {
  const std::vector<std::string> known = {"topics", "producers", "consumers", "read_all_every"};
  CHECK(DidYouMean("topicz", known) == " (did you mean \"topics\"?)");
  CHECK(DidYouMean("consumer", known) == " (did you mean \"consumers\"?)");
  CHECK(DidYouMean("colour", known).empty());
  CHECK(DidYouMean("ab", {"xy"}).empty());  // two edits of two letters is not close
}

}  // namespace
}  // namespace mqsim::base
