#include "storage/rocksmq/subscription.h"

#include <algorithm>

#include "base/bug_modes.h"
#include "storage/rocksmq/rocksmq.h"

namespace mqsim::rocksmq {

Subscription::Subscription(RocksMQ* mq, std::string topic, std::string group,
                           SubscriptionOptions options)
    : mq_(mq), topic_(std::move(topic)), group_(std::move(group)), options_(std::move(options)) {}

void Subscription::Signal() {
  std::function<void()> wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    // Bug mode lost_wakeup: a signal that finds the buffer full is dropped.
    if (MQSIM_BUG(kLostWakeup) && buffer_.size() >= options_.buffer) return;
    pending_ = true;  // one slot: further signals coalesce
    wake = options_.wake;
  }
  if (wake) wake();
}

void Subscription::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  mq_ = nullptr;
}

void Subscription::Deliver() {
  const bool lost_wakeup = MQSIM_BUG(kLostWakeup);
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_ || (!pending_ && !waiting_for_space_)) return;
  pending_ = false;
  for (;;) {
    const size_t space = options_.buffer - std::min(buffer_.size(), options_.buffer);
    if (space == 0) {
      // Wait for the application to make room (Receive wakes us). The buggy task forgets
      // that it had work: the signal it consumed is lost.
      waiting_for_space_ = !lost_wakeup;
      return;
    }
    waiting_for_space_ = false;
    RocksMQ* mq = mq_;
    const int n = static_cast<int>(std::min<size_t>(space, static_cast<size_t>(options_.batch)));
    // Not under our lock: the engine takes its own, and signals us under it.
    lock.unlock();
    absl::StatusOr<std::vector<ConsumerMessage>> got = mq->Consume(topic_, group_, n);
    if (options_.on_fetch) options_.on_fetch(got);
    lock.lock();
    if (closed_) return;
    if (!got.ok()) {  // the engine is recovering: the next run (a wake or the host's poll) retries
      pending_ = true;
      return;
    }
    if (got->empty()) return;
    for (ConsumerMessage& m : *got) buffer_.push_back(std::move(m));
  }
}

absl::StatusOr<std::vector<ConsumerMessage>> Subscription::Receive(size_t max) {
  std::function<void()> wake;
  std::vector<ConsumerMessage> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ && buffer_.empty()) {
      return absl::FailedPreconditionError("subscription of group \"" + group_ + "\" on topic \"" +
                                           topic_ + "\" is closed");
    }
    while (out.size() < max && !buffer_.empty()) {
      out.push_back(std::move(buffer_.front()));
      buffer_.pop_front();
    }
    if (!out.empty() && waiting_for_space_ && !closed_ && !MQSIM_BUG(kLostWakeup))
      wake = options_.wake;
  }
  if (wake) wake();
  return out;
}

size_t Subscription::buffered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buffer_.size();
}

}  // namespace mqsim::rocksmq
