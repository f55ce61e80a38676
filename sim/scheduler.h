// Scheduler: the single-threaded deterministic executor every simulated thing runs on.
//
// It runs tasks (Task<void> coroutines), plain callbacks (used later for RocksDB's
// background jobs) and timers, one step at a time on the caller's thread. When several
// things are runnable, the run's Random stream "scheduler" chooses which goes next; when
// nothing is runnable, virtual time jumps to the earliest timer (timers due at the same
// instant all become runnable and the seed orders them). Every step is a trace event.
//
// Tasks belong to a ProcessId; CancelProcess() is a crash: every task, pending callback and
// timer of that process disappears and anything joined on those tasks is released.
// RunUntil*() stops when nothing is left (quiescent; RunUntil still moves time to its
// deadline), at a deadline, on Stop(), or on deadlock: tasks still waiting with nothing that could
// ever wake them (their names and what they wait on are reported). Daemon tasks (long-lived
// servers) do not count.
//
// The waiting protocol for synchronisation primitives (sync.h) is SuspendCurrent()/Wake():
// a wait hands out a WaitToken; waking a token of a task that was cancelled or has since
// moved on is a harmless no-op, so waiter lists never dangle.
#pragma once

#include <coroutine>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/clock.h"
#include "sim/random.h"
#include "sim/task.h"
#include "sim/time.h"
#include "sim/trace.h"

namespace mqsim::sim {

using TaskId = uint64_t;
using TimerId = uint64_t;
using ProcessId = uint32_t;
inline constexpr TaskId kNoTask = 0;

struct SpawnOptions {
  ProcessId process = 0;
  bool daemon = false;  // waiting forever is not a deadlock (servers, background workers)
};

enum class JoinResult { kCompleted, kCancelled };

namespace detail {
struct TaskShared;
}

// Returned by Spawn: identifies the task and lets others Join it.
struct TaskHandle {
  TaskId id = kNoTask;
  std::shared_ptr<detail::TaskShared> shared;
};

struct WaitToken {
  TaskId task = kNoTask;
  uint64_t seq = 0;
};

enum class RunOutcome { kQuiescent, kDeadline, kStopped, kDeadlock };

struct BlockedTask {
  TaskId id;
  std::string name;
  std::string waiting_on;
};

struct RunResult {
  RunOutcome outcome;
  Time now;
  uint64_t steps;                    // steps executed by this call
  std::vector<BlockedTask> blocked;  // the deadlocked tasks, for kDeadlock
  std::string ToString() const;
};

// Thrown out of RunUntil*() when a task ends with an exception (a bug in simulated code).
class TaskFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Scheduler {
 public:
  Scheduler(VirtualClock* clock, Random rng, Trace* trace);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Starts a task (runnable at once). The factory form keeps the callable (a lambda with
  // captures) alive for the task's whole life, which a lambda coroutine needs.
  TaskHandle Spawn(std::string name, Task<void> task, SpawnOptions options = {});
  TaskHandle Spawn(std::string name, std::function<Task<void>()> factory,
                   SpawnOptions options = {});

  // Plain callbacks: runnable now, or at a time. Returns an id usable with CancelTimer.
  void Post(std::string name, std::function<void()> fn, ProcessId process = 0);
  TimerId CallAt(Time when, std::string name, std::function<void()> fn, ProcessId process = 0);
  TimerId CallAfter(Duration delay, std::string name, std::function<void()> fn,
                    ProcessId process = 0);
  bool CancelTimer(TimerId id);

  // Cancels a task: its frame is destroyed (if it is the running task, when it next
  // suspends) and its joiners wake with kCancelled. Unknown or finished ids are ignored.
  void Cancel(TaskId id);
  // A process crash: cancels its tasks, drops its posted callbacks and timers.
  // Returns the number of tasks cancelled.
  size_t CancelProcess(ProcessId process);
  // A stop-the-world pause of one process (a GC pause) until `until`: none of its tasks or
  // callbacks run meanwhile; what becomes runnable (timers included) runs after it, late.
  // Overlapping pauses extend each other.
  void PauseProcess(ProcessId process, Time until);
  bool IsPaused(ProcessId process) const { return paused_until_.count(process) != 0; }

  RunResult RunUntilQuiescent();
  RunResult RunUntil(Time deadline);
  RunResult RunFor(Duration d) { return RunUntil(now() + d); }
  // Asks the running loop to return (kStopped) after the current step.
  void Stop() { stop_requested_ = true; }

  // Onlookers of simulated time (progress displays, report sampling, power-loss audits):
  // each is called from the run loop between steps once time reaches `every` past its last
  // call (the first call at the first step), observers in the order they were added.
  // REQUIRES: an observer only reads the run (it must not schedule, cancel, draw from this
  // scheduler's streams or add or remove observers): the run is the same with or without
  // it. One that records in the trace (an audit's verdicts) changes the hash, nothing else.
  // every > 0.
  using ObserverId = uint64_t;
  ObserverId AddObserver(std::function<void(Time)> observer, Duration every);
  // Unknown ids are ignored.
  void RemoveObserver(ObserverId id);

  // ---- awaitables (co_await them inside a task of this scheduler) ----
  struct SleepAwaiter {
    Scheduler* sched;
    Time until;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) { sched->SuspendUntil(h, until); }
    void await_resume() const noexcept {}
  };
  SleepAwaiter SleepUntil(Time t) { return SleepAwaiter{this, t}; }
  SleepAwaiter SleepFor(Duration d) { return SleepAwaiter{this, now() + d}; }
  // Lets every other runnable thing have a chance (the seed decides who goes first).
  SleepAwaiter Yield() { return SleepAwaiter{this, now()}; }

  struct JoinAwaiter {
    Scheduler* sched;
    std::shared_ptr<detail::TaskShared> target;
    bool await_ready() const noexcept;
    void await_suspend(std::coroutine_handle<> h);
    JoinResult await_resume() const noexcept;
  };
  JoinAwaiter Join(const TaskHandle& handle) { return JoinAwaiter{this, handle.shared}; }

  // ---- waiting protocol for primitives ----
  // Marks the running task as waiting at h; returns the token that wakes it.
  WaitToken SuspendCurrent(std::coroutine_handle<> h, std::string_view waiting_on);
  // Makes the token's task runnable with a wake code; false if the token is stale.
  bool Wake(WaitToken token, uint32_t code = 0);
  // True while the token's task is still waiting on that very wait.
  bool IsPending(WaitToken token) const;
  // The wake code delivered to the running task by its last Wake.
  uint32_t wake_code() const;
  // Wakes token at time t unless it is woken earlier (for waits with a timeout).
  void WakeAt(Time t, WaitToken token, uint32_t code);

  // ---- introspection ----
  Time now() const { return clock_->now(); }
  VirtualClock& clock() { return *clock_; }
  Trace& trace() { return *trace_; }
  TaskId current_task() const { return current_; }
  ProcessId current_process() const;
  bool IsAlive(TaskId id) const { return tasks_.count(id) != 0; }
  size_t live_tasks() const { return tasks_.size(); }
  uint64_t total_steps() const { return total_steps_; }
  uint64_t pending_timers() const { return timers_.size(); }

 private:
  struct TaskState;
  struct Callback {
    std::string name;
    std::function<void()> fn;
    ProcessId process;
  };
  struct Timer {
    Time when;
    uint64_t tiebreak;
    ProcessId process;
    // Exactly one of: a callback to post, or a token to wake.
    std::unique_ptr<Callback> callback;
    WaitToken token;
    uint32_t code;
  };
  struct HeapEntry {
    Time when;
    uint64_t tiebreak;
    TimerId id;
    bool operator>(const HeapEntry& o) const {
      if (when != o.when) return when > o.when;
      if (tiebreak != o.tiebreak) return tiebreak > o.tiebreak;
      return id > o.id;
    }
  };
  struct ReadyItem {
    bool is_task;
    uint64_t id;   // TaskId or callback id
    uint64_t seq;  // wait sequence (tasks)
  };

  RunResult Run(Time deadline);
  void RunOne(const ReadyItem& item);
  void ResumeTask(TaskState& task);
  void FireTimersAt(Time when);
  TimerId AddTimer(Time when, ProcessId process, std::unique_ptr<Callback> callback,
                   WaitToken token, uint32_t code);
  void SuspendUntil(std::coroutine_handle<> h, Time until);
  void Finish(TaskId id, JoinResult result);
  std::vector<BlockedTask> Blocked() const;
  TaskState* Find(TaskId id) const;
  // The process a ready item belongs to (nullopt: a stale item).
  std::optional<ProcessId> ProcessOf(const ReadyItem& item) const;
  void ResumeProcess(ProcessId process);

  VirtualClock* clock_;
  Random rng_;
  Trace* trace_;
  std::map<TaskId, std::unique_ptr<TaskState>> tasks_;  // ordered: deterministic iteration
  std::map<uint64_t, Callback> posted_;
  std::map<TimerId, Timer> timers_;
  std::priority_queue<HeapEntry, std::vector<HeapEntry>, std::greater<>> heap_;
  std::vector<ReadyItem> ready_;
  std::map<ProcessId, Time> paused_until_;
  std::map<ProcessId, std::vector<ReadyItem>> held_;  // runnable items of paused processes
  TaskId next_task_id_ = 1;
  uint64_t next_callback_id_ = 1;
  TimerId next_timer_id_ = 1;
  TaskId current_ = kNoTask;
  uint64_t total_steps_ = 0;
  bool stop_requested_ = false;
  struct Observer {
    std::function<void(Time)> fn;
    Duration every;
    Time next;
  };
  void Observe();
  std::map<ObserverId, Observer> observers_;  // ordered: called in the order added
  ObserverId next_observer_id_ = 1;
};

}  // namespace mqsim::sim
