#include "properties/accounting_checker.h"

#include <string>

#include "properties/topic_walker.h"

namespace mqsim::properties {

namespace {

// The problem with one snapshot's pages against the messages read at the same moment, or ""
// when they agree.
std::string PageProblem(const SeenMessages& read, const backends::StoreAccounting& a) {
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

struct AccountingTopic {
  bool written = false;  // a produce, purge or delete was attempted in this incarnation
};
using AccountingWalker = TopicWalker<AccountingTopic>;

std::string Id(MessageId id) { return id == backends::kNoMessage ? "none" : std::to_string(id); }

// The store's first id against the first message read; and nothing the store deleted (an
// acknowledged, promised message the read lacks) at or after it.
std::string FirstIdProblem(const AccountingWalker& w, const AccountingWalker::Topic& t,
                           const SeenMessages& read, const backends::StoreAccounting& a) {
  const MessageId front = read.empty() ? backends::kNoMessage : read.begin()->id;
  if (a.first_exact && a.first_id != front) {
    return "the store says its first message is " + Id(a.first_id) + "; the first it holds is " +
           Id(front);
  }
  if (front != backends::kNoMessage && (a.first_id == backends::kNoMessage || a.first_id > front)) {
    return "the store says its first message is " + Id(a.first_id) + ", past message " + Id(front) +
           " it holds";
  }
  if (a.first_id == backends::kNoMessage) return "";
  for (auto it = t.acked.LowerBound(a.first_id); it != t.acked.end(); ++it) {
    if (front != backends::kNoMessage && it->id >= front) break;
    if (w.Promised(w.event(it->event))) {
      return "the store says its first message is " + Id(a.first_id) + ", at or below message " +
             Id(it->id) + ", acknowledged and promised durable, which it no longer holds";
    }
  }
  return "";
}

std::string CountProblem(const std::string& topic, const SeenMessages& read,
                         const backends::StoreAccounting& a, const AccountingOptions& o) {
  if (a.messages && *a.messages != read.size()) {
    return "the store counts " + std::to_string(*a.messages) + " message(s); it holds " +
           std::to_string(read.size());
  }
  if (!a.bytes || !o.stored_bytes) return "";
  uint64_t bytes = 0;
  for (const SeenMessage& m : read) bytes += o.stored_bytes(topic, m.bytes);
  if (bytes != *a.bytes) {
    return "the store counts " + std::to_string(*a.bytes) + " bytes; its messages take " +
           std::to_string(bytes);
  }
  return "";
}

// An empty stream's first sequence: 0 until anything was written, then above every id
// acknowledged (JetStream's LastSeq + 1).
std::string EmptyFirstProblem(const AccountingWalker::Topic& t, const SeenMessages& read,
                              const backends::StoreAccounting& a) {
  if (!read.empty() || !a.empty_first) return "";
  const MessageId first = *a.empty_first;
  if (!t.state.written && !t.maybe_destroyed && first != 0) {
    return "the empty stream reports first sequence " + std::to_string(first) +
           " though nothing was ever written to it (0 expected)";
  }
  if (t.max_acked != backends::kNoMessage && first <= t.max_acked) {
    return "the emptied stream reports first sequence " + std::to_string(first) +
           ", not above message " + std::to_string(t.max_acked) + " it acknowledged";
  }
  return "";
}

}  // namespace

std::optional<Violation> CheckPageAccounting(const History& h, const AccountingOptions& o) {
  AccountingWalker w(h);
  return w.Walk([&](size_t k, const HistoryEvent& e) -> std::optional<Violation> {
    if (e.kind == EventKind::kProduce || e.kind == EventKind::kPurge ||
        e.kind == EventKind::kDeleteMessage) {
      w.topic(e.topic).state.written = true;
    }
    if (e.kind != EventKind::kAccounting || k == 0 || !e.accounting) return std::nullopt;
    const HistoryEvent& read = w.event(k - 1);
    if (read.kind != EventKind::kReadAll || read.topic != e.topic) return std::nullopt;
    const backends::StoreAccounting& a = *e.accounting;
    const AccountingWalker::Topic& t = w.topic(e.topic);
    std::string problem = FirstIdProblem(w, t, read.messages, a);
    if (problem.empty()) problem = EmptyFirstProblem(t, read.messages, a);
    if (problem.empty()) problem = CountProblem(e.topic, read.messages, a, o);
    if (problem.empty() && a.page_size > 0) problem = PageProblem(read.messages, a);
    if (problem.empty()) return std::nullopt;
    return Violation{Property::kPageAccounting, "topic " + e.topic + ": " + problem, {k - 1, k}};
  });
}

}  // namespace mqsim::properties
