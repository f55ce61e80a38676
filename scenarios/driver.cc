#include "scenarios/driver.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>

#include "base/assert.h"
#include "scenarios/embedded.h"
#include "scenarios/supervisor.h"

namespace mqsim::scenarios {

// A stock scenario's file name, if arg names one ("rocksmq-retention", with or without
// ".yaml" or "scenarios/").
std::optional<std::string> StockName(const std::string& arg) {
  std::string name = arg.starts_with("scenarios/") ? arg.substr(10) : arg;
  if (!name.ends_with(".yaml")) name += ".yaml";
  if (name.find('/') != std::string::npos) return std::nullopt;
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    if (f.name == name) return name;
  }
  return std::nullopt;
}

absl::StatusOr<ScenarioSource> FindScenario(const std::string& arg, const std::string& cwd) {
  // A stock name is the embedded scenario, whatever files lie around: an edited copy on
  // disk must be named by a path that is not a stock name.
  if (const std::optional<std::string> stock = StockName(arg)) {
    return ScenarioSource{*ReadEmbedded(*stock), "scenarios/" + *stock, "scenarios", ReadEmbedded};
  }
  const std::string path = arg.empty() || arg[0] == '/' || cwd.empty() ? arg : cwd + "/" + arg;
  absl::StatusOr<std::string> text = ReadFileFromDisk(path);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status()) && arg.find('/') == std::string::npos) {
      return absl::NotFoundError("\"" + arg +
                                 "\" is neither a file nor a stock scenario (see mqsim list)");
    }
    return text.status();
  }
  const size_t slash = path.rfind('/');
  return ScenarioSource{*text, arg, slash == std::string::npos ? "." : path.substr(0, slash),
                        ReadFileFromDisk};
}

absl::StatusOr<Scenario> LoadScenarioArg(const std::string& arg, const std::string& cwd,
                                         const std::vector<std::string>& cli_set) {
  absl::StatusOr<ScenarioSource> src = FindScenario(arg, cwd);
  if (!src.ok()) return src.status();
  return ParseScenario(src->text, src->file, src->base_dir, src->read, cli_set);
}

absl::Status CheckDuration(const Scenario& scenario, bool allow_long) {
  if (allow_long || scenario.duration <= kLongRun) return absl::OkStatus();
  return absl::InvalidArgumentError(scenario.file + ": duration " + scenario.duration.ToString() +
                                    " is over " + kLongRun.ToString() +
                                    ": pass --allow-long to run it");
}

absl::StatusOr<std::vector<Scenario>> StockScenarios() {
  std::vector<Scenario> out;
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    // Files in subdirectories are what scenarios refer to (helm values, seed lists).
    if (f.name.find('/') != std::string::npos || !f.name.ends_with(".yaml")) continue;
    absl::StatusOr<Scenario> sc =
        ParseScenario(f.text, "scenarios/" + f.name, "scenarios", ReadEmbedded);
    if (!sc.ok()) return sc.status();
    out.push_back(*std::move(sc));
  }
  return out;
}

absl::StatusOr<uint64_t> ParseSeed(std::string_view text) {
  uint64_t v = 0;
  const char* end = text.data() + text.size();
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (!digits || ec == std::errc::result_out_of_range || ptr != end) {
    return absl::InvalidArgumentError("\"" + std::string(text) +
                                      "\" is not a seed (a whole number from 1 to 2^64-1)");
  }
  if (v == 0) return absl::InvalidArgumentError("seed 0 is not a seed (seeds start at 1)");
  return v;
}

absl::StatusOr<SeedRange> ParseSeedRange(std::string_view text) {
  const size_t dots = text.find("..");
  absl::StatusOr<uint64_t> first = ParseSeed(text.substr(0, dots));
  absl::StatusOr<uint64_t> last =
      dots == std::string_view::npos ? first : ParseSeed(text.substr(dots + 2));
  if (!first.ok() || !last.ok()) {
    return absl::InvalidArgumentError("expected N or A..B (seeds from 1 to 2^64-1), got \"" +
                                      std::string(text) + "\"");
  }
  if (*first > *last) {
    return absl::InvalidArgumentError("expected A..B with A <= B, got \"" + std::string(text) +
                                      "\"");
  }
  return SeedRange{*first, *last};
}

namespace {

// The signals that stop a sweep, and SIGCHLD, blocked while it runs and taken with
// sigtimedwait (no handler: nothing runs asynchronously). Workers unblock them.
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&set_, s);
    MQSIM_ASSERT(sigprocmask(SIG_BLOCK, &set_, &old_) == 0);
  }
  ~StopSignals() { (void)sigprocmask(SIG_SETMASK, &old_, nullptr); }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Waits up to `seconds` for a signal of the set; returns the stop signal taken, or 0
  // (a child ended, or nothing came).
  int Wait(time_t seconds) {
    const timespec timeout{seconds, 0};
    for (;;) {
      const int s = sigtimedwait(&set_, nullptr, &timeout);
      if (s < 0 && errno == EINTR) continue;
      return s == SIGINT || s == SIGTERM || s == SIGHUP ? s : 0;
    }
  }

 private:
  sigset_t set_;
  sigset_t old_;
};

struct Running {
  uint64_t index;
  SweepRun what;
  Child child;
};

// Kills every running worker (its whole process group) and reaps it.
void KillAll(std::map<pid_t, Running>& running) {
  for (const auto& [pid, r] : running) {
    (void)kill(-pid, SIGKILL);
    (void)kill(pid, SIGKILL);
  }
  for (const auto& [pid, r] : running) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    close(r.child.fd);
  }
  running.clear();
}

}  // namespace

int RunMany(uint64_t count, const std::function<SweepRun(uint64_t)>& run, int parallel,
            uint64_t bugs, const std::function<void(uint64_t, const RunResult&)>& done) {
  MQSIM_ASSERT(parallel >= 1);
  StopSignals signals;
  std::map<pid_t, Running> running;
  std::map<uint64_t, RunResult> finished;  // out of order, waiting for earlier runs
  uint64_t next = 0, reported = 0;
  // Runs that finished ahead of an earlier, slower one wait in `finished`; at most this
  // many runs are ahead of the first unreported one, so the wait stays bounded.
  const uint64_t window = 64 * static_cast<uint64_t>(parallel);
  while (reported < count) {
    while (next < count && static_cast<int>(running.size()) < parallel &&
           next - reported < window) {
      const SweepRun what = run(next);
      const RunOptions options{what.seed, nullptr, bugs};
      const Child child = Start([what, options] { return RunScenario(*what.scenario, options); },
                                /*own_process_group=*/true);
      running[child.pid] = Running{next++, what, child};
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    MQSIM_ASSERT_MSG(pid >= 0 || errno == EINTR, "RunMany: waitpid failed with children running");
    // Take a pending stop signal at once; with no child ended, wait for one (or a signal).
    if (const int stop = signals.Wait(pid > 0 ? 0 : 1); stop != 0) {
      KillAll(running);
      return stop;
    }
    auto it = pid > 0 ? running.find(pid) : running.end();
    if (it == running.end()) continue;  // nothing ended, or not one of ours
    const Running& r = it->second;
    finished[r.index] =
        Finish(r.child, status, *r.what.scenario, RunOptions{r.what.seed, nullptr, bugs});
    running.erase(it);
    for (auto f = finished.begin(); f != finished.end() && f->first == reported;
         f = finished.erase(f)) {
      done(reported++, f->second);
    }
  }
  return 0;
}

}  // namespace mqsim::scenarios
