// Interned names read and compare as the strings they stand for.
#include "properties/interned.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>

namespace mqsim::properties {
namespace {

TEST_CASE("An interned name is its string: equal by content, one copy per content") {
  const std::string channel = "by-dev-rootcoord-dml_0";  // longer than the inline buffer
  const Interned a = channel;
  const Interned b = std::string("by-dev-rootcoord-dml_") + "0";
  CHECK(a == b);
  CHECK(&a.str() == &b.str());  // one copy
  CHECK(a == channel);
  CHECK(a == "by-dev-rootcoord-dml_0");
  CHECK_FALSE(a == Interned("by-dev-rootcoord-dml_1"));
  CHECK(Interned().empty());
  CHECK(Interned("") == Interned());
  CHECK(a.size() == channel.size());
  CHECK("topic " + a == "topic by-dev-rootcoord-dml_0");
  CHECK(a + "/g" == "by-dev-rootcoord-dml_0/g");
  CHECK((Interned("a") <=> Interned("b")) == std::strong_ordering::less);  // by content
  std::map<std::string, int> by_name;
  by_name[a] = 1;  // reads as const std::string&
  CHECK(by_name.at(channel) == 1);
}

}  // namespace
}  // namespace mqsim::properties
