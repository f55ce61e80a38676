#include "scenarios/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "base/assert.h"

namespace mqsim::scenarios {

namespace {

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

Progress::Progress(std::string label, uint64_t total)
    : label_(std::move(label)), total_(total), tty_(isatty(2) != 0) {}

Progress::~Progress() {
  if (tty_ && shown_) std::fprintf(stderr, "\n");
}

void Progress::Done(uint64_t done) {
  MQSIM_ASSERT(done <= total_);
  if (!tty_) return;
  const double left = static_cast<double>(total_ - done);
  const double eta =
      SecondsSince(started_) / static_cast<double>(std::max<uint64_t>(done, 1)) * left;
  std::fprintf(stderr, "\r%s: %" PRIu64 "/%" PRIu64 " runs, ETA %.0fs   ", label_.c_str(), done,
               total_, eta);
  shown_ = true;
}

void Progress::Clear() {
  if (tty_ && shown_) std::fprintf(stderr, "\r\033[K");
}

SimProgress::SimProgress(std::string label) : label_(std::move(label)), tty_(isatty(2) != 0) {}

SimProgress::~SimProgress() { Clear(); }

void SimProgress::At(sim::Duration now, sim::Duration duration) {
  if (!tty_ || SecondsSince(last_) < 0.2) return;
  last_ = std::chrono::steady_clock::now();
  if (now >= duration) {
    std::fprintf(stderr, "\r\033[K%s: simulated %s, bringing the store to rest and judging",
                 label_.c_str(), duration.ToString().c_str());
  } else {
    const double done = static_cast<double>(std::max<int64_t>(now.nanos(), 1));
    const double eta =
        SecondsSince(started_) / done * static_cast<double>(duration.nanos() - now.nanos());
    std::fprintf(stderr, "\r\033[K%s: simulated %s of %s, ETA %.0fs", label_.c_str(),
                 sim::Duration::Seconds(now.nanos() / 1'000'000'000).ToString().c_str(),
                 duration.ToString().c_str(), eta);
  }
  shown_ = true;
}

void SimProgress::Clear() {
  if (tty_ && shown_) std::fprintf(stderr, "\r\033[K");
  shown_ = false;
}

}  // namespace mqsim::scenarios
