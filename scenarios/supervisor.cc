#include "scenarios/supervisor.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "base/assert.h"
#include "scenarios/report.h"
#include "sim/trace.h"

namespace mqsim::scenarios {

namespace {

// The last kSlots events of a replay, in memory shared with the parent.
constexpr size_t kSlots = 24;
constexpr size_t kSlotBytes = 480;

struct Ring {
  uint64_t count;      // events written
  uint64_t last_step;  // of the newest event
  uint64_t last_hash;  // the run hash after it
  int64_t last_ns;     // its simulated time
  uint64_t completed;  // the replay ran to its end (did not crash)
  char slots[kSlots][kSlotBytes];
};

class RingSink : public sim::TraceSink {
 public:
  explicit RingSink(Ring* ring) : ring_(ring) {}
  void Write(const sim::TraceEvent& e) override {
    const std::string line = e.ToString();
    char* slot = ring_->slots[ring_->count % kSlots];
    const size_t n = std::min(line.size(), kSlotBytes - 1);
    std::memcpy(slot, line.data(), n);
    slot[n] = '\0';
    ring_->last_step = e.step;
    ring_->last_hash = e.hash_after;
    ring_->last_ns = e.time.since_start().nanos();
    ++ring_->count;
  }

 private:
  Ring* ring_;
};

void WriteAll(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// In the child: dies with the parent, even if the parent died before prctl took effect.
void BindToParent(pid_t parent) {
  (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
}

pid_t WaitFor(pid_t pid, int* status) {
  for (;;) {
    const pid_t r = waitpid(pid, status, 0);
    if (r >= 0 || errno != EINTR) return r;
  }
}

std::string DescribeDeath(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    return "the process was killed by signal " + std::to_string(sig) + " (SIG" +
           (abbrev != nullptr ? abbrev : "?") + ": " + strsignal(sig) + ")";
  }
  if (WIFEXITED(status)) {
    return "the process exited with status " + std::to_string(WEXITSTATUS(status)) +
           " without reporting a result";
  }
  return "the process ended with wait status " + std::to_string(status);
}

// Replays the seed in a child that records every event into a shared ring; fills `r`
// with the last events before the crash, their step, hash and time.
void ReplayForEvidence(const Scenario& sc, const RunOptions& options, RunResult* r) {
  void* mem =
      mmap(nullptr, sizeof(Ring), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    r->detail += "\n(no trace evidence: cannot map shared memory)";
    return;
  }
  Ring* ring = static_cast<Ring*>(mem);
  std::memset(ring, 0, sizeof(Ring));
  const pid_t parent = getpid();
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    BindToParent(parent);
    sim::Trace trace;
    RingSink sink(ring);
    trace.set_sink(&sink);
    (void)RunScenario(sc, RunOptions{options.seed, &trace, options.bugs});
    ring->completed = 1;
    _exit(0);
  }
  int status = 0;
  if (pid < 0 || WaitFor(pid, &status) < 0) {
    r->detail += "\n(no trace evidence: cannot start the replay)";
  } else if (ring->completed != 0) {
    r->detail +=
        "\nthe replay of this seed did NOT crash: the crash does not follow from the "
        "seed alone (memory corruption? state left by an earlier run?)";
  } else {
    r->steps = ring->last_step;
    r->hash = ring->last_hash;
    r->sim_time = sim::Duration::Nanos(ring->last_ns);
    r->failed_at = r->sim_time;
    const uint64_t shown = std::min<uint64_t>(ring->count, kSlots);
    r->detail += "\nthe last " + std::to_string(shown) + " trace events before it:";
    for (uint64_t i = ring->count - shown; i < ring->count; ++i) {
      r->detail += "\n  " + std::string(ring->slots[i % kSlots]);
    }
  }
  munmap(mem, sizeof(Ring));
}

}  // namespace

Child Start(const RunBody& body, bool own_process_group) {
  // The result goes through an in-memory file, not a pipe: a result larger than a pipe's
  // buffer would block the child until the parent reads, and the parent reads only once
  // the child has exited.
  const int fd = memfd_create("mqsim-run-result", MFD_CLOEXEC);
  MQSIM_ASSERT_MSG(fd >= 0, "memfd_create");
  const pid_t parent = getpid();
  std::fflush(nullptr);
  const pid_t pid = fork();
  MQSIM_ASSERT_MSG(pid >= 0, "fork");
  if (pid == 0) {
    BindToParent(parent);
    if (own_process_group) (void)setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, nullptr);
    const RunResult r = body();
    WriteAll(fd, ResultToJson(r).dump());
    std::fflush(nullptr);
    _exit(0);
  }
  if (own_process_group) (void)setpgid(pid, pid);  // either side may win the race
  return Child{pid, fd, std::chrono::steady_clock::now()};
}

RunResult Finish(const Child& child, int status, const Scenario& scenario,
                 const RunOptions& options) {
  (void)lseek(child.fd, 0, SEEK_SET);
  const std::string out = ReadAll(child.fd);
  close(child.fd);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - child.started).count();
  absl::StatusOr<RunResult> r =
      ResultFromJson(nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false));
  if (r.ok()) {
    r->wall_seconds = wall;
    return *r;
  }
  RunResult crash;
  crash.wall_seconds = wall;
  crash.pass = false;
  crash.property = std::string(properties::Name(properties::Property::kEngineCrash));
  crash.detail = DescribeDeath(status);
  absl::StatusOr<backends::MqType> type = scenario.StoreTypeFor(options.seed);
  crash.store = type.ok() ? std::string(backends::ToString(*type)) : "?";
  crash.plan = scenario.PlanFor(options.seed).ToString();
  ReplayForEvidence(scenario, options, &crash);
  return crash;
}

RunResult RunSupervised(const Scenario& scenario, const RunOptions& options, const RunBody& body) {
  const Child child = Start(body ? body : [&] { return RunScenario(scenario, options); });
  int status = 0;
  MQSIM_ASSERT_MSG(WaitFor(child.pid, &status) == child.pid, "waitpid");
  return Finish(child, status, scenario, options);
}

}  // namespace mqsim::scenarios
