#include "sim/scheduler.h"

#include <utility>

#include "base/assert.h"
#include "base/bug_modes.h"

namespace mqsim::sim {

namespace detail {
struct TaskShared {
  bool finished = false;
  JoinResult result = JoinResult::kCompleted;
  std::string name;
  std::vector<WaitToken> joiners;
};
}  // namespace detail

struct Scheduler::TaskState {
  TaskId id;
  std::string name;
  SpawnOptions options;
  std::unique_ptr<std::function<Task<void>()>> factory;  // keeps a lambda's captures alive
  Task<void>::Handle root;
  std::coroutine_handle<> resume_at;
  enum class State { kReady, kRunning, kWaiting } state = State::kReady;
  uint64_t wait_seq = 0;
  uint32_t wake_code = 0;
  std::string waiting_on;
  bool cancel_requested = false;
  std::shared_ptr<detail::TaskShared> shared;
};

std::string RunResult::ToString() const {
  static const char* const kNames[] = {"quiescent", "deadline", "stopped", "deadlock"};
  std::string out = std::string(kNames[static_cast<int>(outcome)]) + " at " + now.ToString() +
                    " after " + std::to_string(steps) + " steps";
  for (const BlockedTask& b : blocked) {
    out += "\n  task " + std::to_string(b.id) + " '" + b.name + "' waits on " + b.waiting_on;
  }
  return out;
}

Scheduler::Scheduler(VirtualClock* clock, Random rng, Trace* trace)
    : clock_(clock), rng_(std::move(rng)), trace_(trace) {
  MQSIM_ASSERT(clock_ != nullptr && trace_ != nullptr);
}

Scheduler::~Scheduler() {
  // Destroy remaining frames without waking anyone: the world is going away.
  for (auto& [id, task] : tasks_) {
    if (task->root) task->root.destroy();
  }
}

TaskHandle Scheduler::Spawn(std::string name, Task<void> task, SpawnOptions options) {
  MQSIM_ASSERT_MSG(task.valid(), "spawning an empty Task");
  auto state = std::make_unique<TaskState>();
  state->id = next_task_id_++;
  state->name = std::move(name);
  state->options = options;
  state->root = task.Release();
  state->resume_at = state->root;
  state->shared = std::make_shared<detail::TaskShared>();
  state->shared->name = state->name;
  TaskHandle handle{state->id, state->shared};
  ready_.push_back(ReadyItem{true, state->id, state->wait_seq});
  trace_->Event("sched.spawn").Kv("task", state->name).Kv("id", state->id);
  tasks_.emplace(state->id, std::move(state));
  return handle;
}

TaskHandle Scheduler::Spawn(std::string name, std::function<Task<void>()> factory,
                            SpawnOptions options) {
  // The coroutine refers to the callable object itself (a lambda's captures live there, not
  // in the frame), so the callable gets a stable heap address that lives as long as the task.
  auto holder = std::make_unique<std::function<Task<void>()>>(std::move(factory));
  TaskHandle handle = Spawn(std::move(name), (*holder)(), options);
  tasks_.at(handle.id)->factory = std::move(holder);
  return handle;
}

void Scheduler::Post(std::string name, std::function<void()> fn, ProcessId process) {
  const uint64_t id = next_callback_id_++;
  posted_.emplace(id, Callback{std::move(name), std::move(fn), process});
  ready_.push_back(ReadyItem{false, id, 0});
}

TimerId Scheduler::AddTimer(Time when, ProcessId process, std::unique_ptr<Callback> callback,
                            WaitToken token, uint32_t code) {
  const TimerId id = next_timer_id_++;
  const uint64_t tiebreak = rng_.NextU64();
  timers_.emplace(id, Timer{when, tiebreak, process, std::move(callback), token, code});
  heap_.push(HeapEntry{when, tiebreak, id});
  return id;
}

TimerId Scheduler::CallAt(Time when, std::string name, std::function<void()> fn,
                          ProcessId process) {
  auto cb = std::make_unique<Callback>(Callback{std::move(name), std::move(fn), process});
  return AddTimer(when, process, std::move(cb), WaitToken{}, 0);
}

TimerId Scheduler::CallAfter(Duration delay, std::string name, std::function<void()> fn,
                             ProcessId process) {
  return CallAt(now() + delay, std::move(name), std::move(fn), process);
}

bool Scheduler::CancelTimer(TimerId id) { return timers_.erase(id) != 0; }

void Scheduler::WakeAt(Time t, WaitToken token, uint32_t code) {
  const TaskState* task = Find(token.task);
  MQSIM_ASSERT(task != nullptr);
  AddTimer(t, task->options.process, nullptr, token, code);
}

Scheduler::TaskState* Scheduler::Find(TaskId id) const {
  auto it = tasks_.find(id);
  return it == tasks_.end() ? nullptr : it->second.get();
}

ProcessId Scheduler::current_process() const {
  const TaskState* task = Find(current_);
  return task == nullptr ? 0 : task->options.process;
}

WaitToken Scheduler::SuspendCurrent(std::coroutine_handle<> h, std::string_view waiting_on) {
  TaskState* task = Find(current_);
  MQSIM_ASSERT_MSG(task != nullptr, "co_await on a scheduler primitive outside a task");
  MQSIM_ASSERT(task->state == TaskState::State::kRunning);
  task->state = TaskState::State::kWaiting;
  task->resume_at = h;
  task->waiting_on.assign(waiting_on);
  ++task->wait_seq;
  return WaitToken{task->id, task->wait_seq};
}

bool Scheduler::Wake(WaitToken token, uint32_t code) {
  if (!IsPending(token)) return false;
  TaskState* task = Find(token.task);
  task->state = TaskState::State::kReady;
  task->wake_code = code;
  ready_.push_back(ReadyItem{true, task->id, task->wait_seq});
  return true;
}

bool Scheduler::IsPending(WaitToken token) const {
  const TaskState* task = Find(token.task);
  return task != nullptr && task->wait_seq == token.seq &&
         task->state == TaskState::State::kWaiting;
}

uint32_t Scheduler::wake_code() const {
  const TaskState* task = Find(current_);
  MQSIM_ASSERT(task != nullptr);
  return task->wake_code;
}

void Scheduler::SuspendUntil(std::coroutine_handle<> h, Time until) {
  const WaitToken token = SuspendCurrent(h, until <= now() ? "yield" : "sleep");
  if (until <= now()) {
    Wake(token);
  } else {
    WakeAt(until, token, 0);
  }
}

bool Scheduler::JoinAwaiter::await_ready() const noexcept {
  return target == nullptr || target->finished;
}

void Scheduler::JoinAwaiter::await_suspend(std::coroutine_handle<> h) {
  target->joiners.push_back(sched->SuspendCurrent(h, "join '" + target->name + "'"));
}

JoinResult Scheduler::JoinAwaiter::await_resume() const noexcept {
  return target == nullptr ? JoinResult::kCancelled : target->result;
}

void Scheduler::Finish(TaskId id, JoinResult result) {
  auto it = tasks_.find(id);
  MQSIM_ASSERT(it != tasks_.end());
  std::unique_ptr<TaskState> task = std::move(it->second);
  tasks_.erase(it);
  task->shared->finished = true;
  task->shared->result = result;
  for (const WaitToken& joiner : task->shared->joiners) Wake(joiner);
  task->shared->joiners.clear();
  trace_->Event(result == JoinResult::kCompleted ? "sched.done" : "sched.cancelled")
      .Kv("task", task->name)
      .Kv("id", id);
  if (task->root) task->root.destroy();
}

void Scheduler::Cancel(TaskId id) {
  TaskState* task = Find(id);
  if (task == nullptr) return;
  if (task->state == TaskState::State::kRunning) {
    task->cancel_requested = true;  // destroyed when control returns to the scheduler
    return;
  }
  Finish(id, JoinResult::kCancelled);
}

size_t Scheduler::CancelProcess(ProcessId process) {
  std::vector<TaskId> victims;
  for (const auto& [id, task] : tasks_) {
    if (task->options.process == process) victims.push_back(id);
  }
  for (TaskId id : victims) Cancel(id);
  std::erase_if(posted_, [&](const auto& kv) { return kv.second.process == process; });
  std::erase_if(timers_, [&](const auto& kv) { return kv.second.process == process; });
  held_.erase(process);
  paused_until_.erase(process);
  trace_->Event("sched.cancel_process")
      .Kv("process", static_cast<uint64_t>(process))
      .Kv("tasks", static_cast<uint64_t>(victims.size()));
  return victims.size();
}

void Scheduler::ResumeTask(TaskState& task) {
  task.state = TaskState::State::kRunning;
  current_ = task.id;
  trace_->set_actor(task.name);
  trace_->Event("sched.resume").Kv("id", task.id);
  task.resume_at.resume();
  current_ = kNoTask;
  const TaskId id = task.id;
  if (task.root.done()) {
    std::exception_ptr error = task.root.promise().exception;
    const std::string name = task.name;
    Finish(id, JoinResult::kCompleted);
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        throw TaskFailure("task '" + name + "' failed: " + e.what());
      } catch (...) {
        throw TaskFailure("task '" + name + "' failed with a non-standard exception");
      }
    }
    return;
  }
  MQSIM_ASSERT_MSG(task.state != TaskState::State::kRunning,
                   "a task suspended without going through the scheduler");
  if (task.cancel_requested) Finish(id, JoinResult::kCancelled);
}

namespace {
// Internal callbacks (pause ends) belong to no simulated process.
constexpr ProcessId kSchedulerProcess = UINT32_MAX;
}  // namespace

std::optional<ProcessId> Scheduler::ProcessOf(const ReadyItem& item) const {
  if (item.is_task) {
    const TaskState* task = Find(item.id);
    if (task == nullptr) return std::nullopt;
    return task->options.process;
  }
  auto it = posted_.find(item.id);
  if (it == posted_.end()) return std::nullopt;
  return it->second.process;
}

void Scheduler::PauseProcess(ProcessId process, Time until) {
  MQSIM_ASSERT(process != kSchedulerProcess);
  Time& end = paused_until_[process];
  if (until <= end) return;
  end = until;
  trace_->Event("sched.pause").Kv("process", static_cast<uint64_t>(process)).Kv("until", until);
  CallAt(
      until, "pause-end", [this, process] { ResumeProcess(process); }, kSchedulerProcess);
}

void Scheduler::ResumeProcess(ProcessId process) {
  auto it = paused_until_.find(process);
  if (it == paused_until_.end() || it->second > now()) return;  // extended meanwhile
  paused_until_.erase(it);
  auto held = held_.find(process);
  const size_t n = held == held_.end() ? 0 : held->second.size();
  if (held != held_.end()) {
    for (const ReadyItem& item : held->second) {
      // Bug mode gc_pause_drops_timer: a periodic job's wake-up that fell due during the
      // pause is swallowed instead of run late (the job's task then never runs again).
      if (MQSIM_BUG(kGcPauseDropsTimer) && item.is_task) {
        const TaskState* t = Find(item.id);
        if (t != nullptr && (t->name.ends_with(".retention") || t->name.ends_with(".expire"))) {
          trace_->Event("sched.dropped_wakeup").Kv("task", t->name);
          continue;
        }
      }
      ready_.push_back(item);
    }
    held_.erase(held);
  }
  trace_->Event("sched.resume_process")
      .Kv("process", static_cast<uint64_t>(process))
      .Kv("late_items", static_cast<uint64_t>(n));
}

void Scheduler::RunOne(const ReadyItem& item) {
  if (!paused_until_.empty()) {
    const std::optional<ProcessId> p = ProcessOf(item);
    if (p && paused_until_.count(*p) != 0) {
      held_[*p].push_back(item);  // runs when the pause ends
      return;
    }
  }
  if (item.is_task) {
    TaskState* task = Find(item.id);
    // Stale entries: the task was cancelled or has run and waits again since.
    if (task == nullptr || task->wait_seq != item.seq || task->state != TaskState::State::kReady) {
      return;
    }
    ++total_steps_;
    ResumeTask(*task);
    return;
  }
  auto it = posted_.find(item.id);
  if (it == posted_.end()) return;  // dropped by a crash
  Callback cb = std::move(it->second);
  posted_.erase(it);
  ++total_steps_;
  trace_->set_actor(cb.name);
  trace_->Event("sched.callback");
  cb.fn();
}

void Scheduler::FireTimersAt(Time when) {
  if (when > now()) clock_->AdvanceTo(when);
  while (!heap_.empty() && heap_.top().when == when) {
    const TimerId id = heap_.top().id;
    heap_.pop();
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;  // cancelled
    Timer timer = std::move(it->second);
    timers_.erase(it);
    if (timer.callback) {
      const uint64_t cb_id = next_callback_id_++;
      posted_.emplace(cb_id, std::move(*timer.callback));
      ready_.push_back(ReadyItem{false, cb_id, 0});
    } else {
      Wake(timer.token, timer.code);
    }
  }
}

std::vector<BlockedTask> Scheduler::Blocked() const {
  std::vector<BlockedTask> blocked;
  for (const auto& [id, task] : tasks_) {
    if (task->options.daemon) continue;
    blocked.push_back(BlockedTask{id, task->name, task->waiting_on});
  }
  return blocked;
}

RunResult Scheduler::Run(Time deadline) {
  stop_requested_ = false;
  const uint64_t steps_before = total_steps_;
  auto result = [&](RunOutcome outcome) {
    RunResult r{outcome, now(), total_steps_ - steps_before, {}};
    if (outcome == RunOutcome::kDeadlock) r.blocked = Blocked();
    return r;
  };
  for (;;) {
    if (stop_requested_) return result(RunOutcome::kStopped);
    if (!observers_.empty()) Observe();
    // Time can move while something runs (a slow fsync, RocksDB's sleeps, background work):
    // timers that fell due meanwhile join the runnable set now, so a stream of runnable work
    // cannot starve them forever.
    while (!heap_.empty() && heap_.top().when <= now()) FireTimersAt(heap_.top().when);
    if (!ready_.empty()) {
      const size_t pick = ready_.size() == 1 ? 0 : rng_.Below(ready_.size());
      const ReadyItem item = ready_[pick];
      ready_[pick] = ready_.back();
      ready_.pop_back();
      RunOne(item);
      continue;
    }
    // Drop cancelled timers from the top of the heap.
    while (!heap_.empty() && timers_.count(heap_.top().id) == 0) heap_.pop();
    if (heap_.empty()) {
      if (!Blocked().empty()) return result(RunOutcome::kDeadlock);
      // Nothing will ever happen again; time still passes up to a finite deadline.
      if (deadline != Time::Max() && deadline > now()) clock_->AdvanceTo(deadline);
      return result(RunOutcome::kQuiescent);
    }
    const Time next = heap_.top().when;
    if (next > deadline) {
      if (deadline > now()) clock_->AdvanceTo(deadline);
      return result(RunOutcome::kDeadline);
    }
    FireTimersAt(next);
  }
}

Scheduler::ObserverId Scheduler::AddObserver(std::function<void(Time)> observer, Duration every) {
  MQSIM_ASSERT(observer && every > Duration::Zero());
  const ObserverId id = next_observer_id_++;
  observers_.emplace(id, Observer{std::move(observer), every, now()});
  return id;
}

void Scheduler::RemoveObserver(ObserverId id) { observers_.erase(id); }

void Scheduler::Observe() {
  const size_t count = observers_.size();
  for (auto& [id, o] : observers_) {
    if (now() < o.next) continue;
    o.next = now() + o.every;
    o.fn(now());
    MQSIM_ASSERT_MSG(observers_.size() == count, "an observer added or removed an observer");
  }
}

RunResult Scheduler::RunUntilQuiescent() { return Run(Time::Max()); }

RunResult Scheduler::RunUntil(Time deadline) { return Run(deadline); }

}  // namespace mqsim::sim
