// Synchronisation primitives for tasks of one Scheduler.
//
// Event: a manual-reset flag; Wait() returns at once while it is set.
// Condition: a condition variable without a mutex (the simulation is single-threaded, so
// "check, then wait" cannot race); loop on your predicate: while (!ready) co_await c.Wait();
// WaitUntil(t) also returns at t, reporting whether it was notified.
// Waiters wake in FIFO order. Cancelled waiters are skipped (see Scheduler's WaitToken).
#pragma once

#include <coroutine>
#include <deque>
#include <string>

#include "sim/scheduler.h"

namespace mqsim::sim {

class Event {
 public:
  Event(Scheduler& sched, std::string name) : sched_(sched), name_(std::move(name)) {}

  void Set();
  void Reset() { set_ = false; }
  bool is_set() const { return set_; }

  struct Awaiter {
    Event* event;
    bool await_ready() const noexcept { return event->set_; }
    void await_suspend(std::coroutine_handle<> h) {
      event->waiters_.push_back(event->sched_.SuspendCurrent(h, "event '" + event->name_ + "'"));
    }
    void await_resume() const noexcept {}
  };
  Awaiter Wait() { return Awaiter{this}; }

 private:
  Scheduler& sched_;
  std::string name_;
  bool set_ = false;
  std::deque<WaitToken> waiters_;
};

class Condition {
 public:
  Condition(Scheduler& sched, std::string name) : sched_(sched), name_(std::move(name)) {}

  // Wakes the longest-waiting live waiter; false if there was none.
  bool NotifyOne();
  // Wakes every waiter; returns how many were woken.
  size_t NotifyAll();
  size_t waiters() const { return waiters_.size(); }

  struct Awaiter {
    Condition* cond;
    Time deadline;  // Time::Max(): no timeout
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h);
    // true: notified; false: the deadline passed first.
    bool await_resume() const { return cond->sched_.wake_code() == kNotified; }
  };
  Awaiter Wait() { return Awaiter{this, Time::Max()}; }
  Awaiter WaitUntil(Time deadline) { return Awaiter{this, deadline}; }
  Awaiter WaitFor(Duration d) { return Awaiter{this, sched_.now() + d}; }

 private:
  static constexpr uint32_t kNotified = 1;
  static constexpr uint32_t kTimedOut = 2;
  Scheduler& sched_;
  std::string name_;
  std::deque<WaitToken> waiters_;
};

}  // namespace mqsim::sim
