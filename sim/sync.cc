#include "sim/sync.h"

namespace mqsim::sim {

void Event::Set() {
  set_ = true;
  while (!waiters_.empty()) {
    sched_.Wake(waiters_.front());
    waiters_.pop_front();
  }
}

bool Condition::NotifyOne() {
  while (!waiters_.empty()) {
    const WaitToken token = waiters_.front();
    waiters_.pop_front();
    if (sched_.Wake(token, kNotified)) return true;
  }
  return false;
}

size_t Condition::NotifyAll() {
  size_t woken = 0;
  while (!waiters_.empty()) {
    if (sched_.Wake(waiters_.front(), kNotified)) ++woken;
    waiters_.pop_front();
  }
  return woken;
}

void Condition::Awaiter::await_suspend(std::coroutine_handle<> h) {
  const WaitToken token = cond->sched_.SuspendCurrent(h, "condition '" + cond->name_ + "'");
  // Waiters that timed out leave stale tokens behind; they are oldest, so trim the front.
  while (!cond->waiters_.empty() && !cond->sched_.IsPending(cond->waiters_.front())) {
    cond->waiters_.pop_front();
  }
  cond->waiters_.push_back(token);
  if (deadline != Time::Max()) {
    cond->sched_.WakeAt(deadline, token, kTimedOut);
  }
}

}  // namespace mqsim::sim
