// SeenMessages: a list built as a share of an earlier one holds exactly what it was given,
// whatever the two lists hold; consecutive full reads share what they have in common.
#include "properties/seen_messages.h"

#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <vector>

#include "properties/history.h"

namespace mqsim::properties {
namespace {

std::vector<SeenMessage> Plain(const SeenMessages& l) { return {l.begin(), l.end()}; }

// Ids from..to, each with a digest and size derived from the id and a salt.
std::vector<SeenMessage> Run(int64_t from, int64_t to, uint64_t salt = 0) {
  std::vector<SeenMessage> out;
  for (int64_t id = from; id <= to; ++id) {
    out.emplace_back(id, static_cast<uint64_t>(id) * 31 + salt, static_cast<uint64_t>(id % 7));
  }
  return out;
}

TEST_CASE("A share holds what it was given, and reuses the earlier list's run") {
  const SeenMessages first = SeenMessages::Share(SeenMessages(), Run(1, 100));
  CHECK(first.shared());
  CHECK(Plain(first) == Run(1, 100));
  // Retention took 1..20, producers added 101..130.
  const SeenMessages second = SeenMessages::Share(first, Run(21, 130));
  CHECK(Plain(second) == Run(21, 130));
  CHECK(second.size() == 110);
  CHECK(second.front().id == 21);
  CHECK(second.back().id == 130);
  CHECK(&second.front() == &*std::next(first.begin(), 20));  // the same bytes, not a copy
  const SeenMessages third = SeenMessages::Share(second, Run(50, 140));
  CHECK(Plain(third) == Run(50, 140));
  CHECK(&third.back() != &second.back());
  CHECK(&*std::next(third.begin(), 80) == &second.back());  // id 130, from the second's chunk
}

TEST_CASE("A changed message ends the shared run; empty lists share nothing") {
  const SeenMessages first = SeenMessages::Share(SeenMessages(), Run(1, 10));
  std::vector<SeenMessage> changed = Run(1, 10);
  changed[4].digest ^= 1;  // id 5 now carries another payload
  const SeenMessages second = SeenMessages::Share(first, changed);
  CHECK(Plain(second) == changed);
  CHECK(&second.front() == &first.front());
  CHECK(&*std::next(second.begin(), 4) != &*std::next(first.begin(), 4));
  const SeenMessages none = SeenMessages::Share(first, SeenMessages());
  CHECK(none.empty());
  CHECK(none.begin() == none.end());
  CHECK(Plain(SeenMessages::Share(none, Run(3, 4))) == Run(3, 4));
  SeenMessages own{SeenMessage(1, 2, 3)};
  own.push_back(SeenMessage(2, 3, 4));
  CHECK(own.size() == 2);
  CHECK_FALSE(own.shared());
  CHECK(Plain(SeenMessages::Share(own, Run(2, 3))) == Run(2, 3));
}

TEST_CASE("Shares of shares hold exactly their lists, whatever the lists") {
  rc::prop("every list in a chain of shares equals the list it was given", [] {
    const auto lists = *rc::gen::container<std::vector<std::vector<SeenMessage>>>(rc::gen::map(
        rc::gen::tuple(rc::gen::inRange<int64_t>(0, 40), rc::gen::inRange<int64_t>(0, 60),
                       rc::gen::inRange<uint64_t>(0, 2)),
        [](const std::tuple<int64_t, int64_t, uint64_t>& t) {
          return Run(std::get<0>(t), std::get<0>(t) + std::get<1>(t) - 1, std::get<2>(t));
        }));
    SeenMessages last;
    for (const std::vector<SeenMessage>& l : lists) {
      SeenMessages next = SeenMessages::Share(last, l);
      RC_ASSERT(Plain(next) == l);
      RC_ASSERT(next.size() == l.size());
      if (!l.empty()) RC_ASSERT(next.back() == l.back());
      last = std::move(next);
    }
  });
}

TEST_CASE("A history's full reads of a topic share with its previous one") {
  History h;
  h.Add(HistoryEvent{
      .time_ns = 1, .kind = EventKind::kReadAll, .topic = "t", .messages = Run(1, 50)});
  h.Add(
      HistoryEvent{.time_ns = 2, .kind = EventKind::kReadAll, .topic = "u", .messages = Run(1, 5)});
  h.Add(HistoryEvent{
      .time_ns = 3, .kind = EventKind::kReadAll, .topic = "t", .messages = Run(10, 60)});
  CHECK(Plain(h.events()[2].messages) == Run(10, 60));
  CHECK(&h.events()[2].messages.front() == &*std::next(h.events()[0].messages.begin(), 9));
  CHECK(MessagesDigest(h.events()[2].messages) == MessagesDigest(SeenMessages(Run(10, 60))));
}

}  // namespace
}  // namespace mqsim::properties
