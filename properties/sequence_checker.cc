#include "properties/sequence_checker.h"

#include <string>

#include "properties/topic_walker.h"

namespace mqsim::properties {
namespace {

struct SequenceTopic {
  // The sequence the next acknowledged publish must take, and the publish that set it;
  // nullopt while something since may have taken numbers unseen.
  std::optional<MessageId> next;
  size_t since = 0;
};
using SequenceWalker = TopicWalker<SequenceTopic>;

void ForgetAll(SequenceWalker& w) {
  for (auto& [name, t] : w.topics()) t.state.next.reset();
}

std::optional<Violation> JudgePublish(SequenceWalker::Topic& t, size_t i, const HistoryEvent& e) {
  SequenceTopic& s = t.state;
  if (!e.ok) {
    s.next.reset();
    return std::nullopt;
  }
  if (t.maybe_destroyed) s.next.reset();
  if (s.next && e.id != *s.next) {
    return Violation{Property::kOrdering,
                     "topic " + e.topic + ": a publish took sequence " + std::to_string(e.id) +
                         ", where the stream's next is " + std::to_string(*s.next) +
                         " (its last + 1; no failed publish or unclean stop came between)",
                     {s.since, i}};
  }
  s.next = e.id + 1;
  s.since = i;
  return std::nullopt;
}

}  // namespace

std::optional<Violation> CheckDenseSequences(const History& h) {
  SequenceWalker w(h);
  bool clean_stop = false;  // the process is stopping after a Close that answered ok
  return w.Walk([&](size_t i, const HistoryEvent& e) -> std::optional<Violation> {
    switch (e.kind) {
      case EventKind::kProduce:
        return JudgePublish(w.topic(e.topic), i, e);
      case EventKind::kDestroyTopic:
        if (!e.ok) w.topic(e.topic).state.next.reset();
        break;
      case EventKind::kSync:
        clean_stop = e.payload == kCleanStopSync;
        break;
      case EventKind::kCrash:
        if (!clean_stop) ForgetAll(w);
        clean_stop = false;
        break;
      case EventKind::kPowerLoss:
        ForgetAll(w);
        break;
      default:
        break;
    }
    return std::nullopt;
  });
}

}  // namespace mqsim::properties
