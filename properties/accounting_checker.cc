#include "properties/accounting_checker.h"

#include <string>

namespace mqsim::properties {

namespace {

// The problem with one accounting snapshot against the messages read at the same moment,
// or "" when they agree.
std::string Problem(const SeenMessages& read, const backends::StoreAccounting& a) {
  const std::vector<SeenMessage> messages(read.begin(), read.end());
  size_t i = 0;
  const auto& pages = a.pages;
  if (!pages.empty()) {
    for (; i < messages.size() && messages[i].id < pages.front().first_id; ++i) {
    }
    if (i > 0) {
      return std::to_string(i) + " message(s) from id " + std::to_string(messages.front().id) +
             " lie before the first page (ids " + std::to_string(pages.front().first_id) + ".." +
             std::to_string(pages.front().last_id) + "): no page accounts for them";
    }
  }
  const uint64_t page_size = static_cast<uint64_t>(a.page_size);
  for (size_t p = 0; p < pages.size(); ++p) {
    const backends::PageSpan& page = pages[p];
    const std::string name =
        "page " + std::to_string(page.first_id) + ".." + std::to_string(page.last_id);
    if (p > 0 && page.first_id != pages[p - 1].last_id + 1) {
      return name + " does not follow page .." + std::to_string(pages[p - 1].last_id);
    }
    uint64_t bytes = 0;
    uint64_t last_size = 0;
    bool has_last = false;
    for (; i < messages.size() && messages[i].id <= page.last_id; ++i) {
      bytes += messages[i].bytes;
      if (messages[i].id == page.last_id) {
        has_last = true;
        last_size = messages[i].bytes;
      }
    }
    if (bytes != page.bytes) {
      return name + " counts " + std::to_string(page.bytes) + " bytes; its messages hold " +
             std::to_string(bytes);
    }
    if (has_last && (bytes <= page_size || bytes - last_size > page_size)) {
      return name + " (" + std::to_string(bytes) + " bytes) did not close where a page of " +
             std::to_string(page_size) + " bytes closes";
    }
  }
  uint64_t open = 0;
  for (; i < messages.size(); ++i) open += messages[i].bytes;
  if (open != a.open_bytes) {
    return "the open page counts " + std::to_string(a.open_bytes) + " bytes; its messages hold " +
           std::to_string(open);
  }
  if (open > page_size) {
    return "the open page holds " + std::to_string(open) + " bytes, over the page size " +
           std::to_string(page_size);
  }
  return "";
}

}  // namespace

std::optional<Violation> CheckPageAccounting(const History& h) {
  const auto& events = h.events();
  for (size_t k = 1; k < events.size(); ++k) {
    const HistoryEvent& e = events[k];
    if (e.kind != EventKind::kAccounting) continue;
    const HistoryEvent& read = events[k - 1];
    if (read.kind != EventKind::kReadAll || read.topic != e.topic || !e.accounting) continue;
    const std::string problem = Problem(read.messages, *e.accounting);
    if (!problem.empty()) {
      return Violation{Property::kPageAccounting, "topic " + e.topic + ": " + problem, {k - 1, k}};
    }
  }
  return std::nullopt;
}

}  // namespace mqsim::properties
