// Progress lines for long commands, on standard error while it is a terminal and nowhere
// otherwise (a pipe, a CI log and --json output stay clean):
//
//   Progress     "LABEL: N/TOTAL runs, ETA 41s" for commands that run many seeds (sweep,
//                check-determinism, shrink, the default job);
//   SimProgress  "LABEL: simulated 2h13m of 8h, ETA 41s" for one run, fed by its RunWatch.
//
// The estimate is the wall time so far scaled by what is left. The line is redrawn in
// place (at most five times a second for SimProgress) and erased by Clear() before a
// result line is printed where it stood; the destructor ends it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "sim/time.h"

namespace mqsim::scenarios {

class Progress {
 public:
  Progress(std::string label, uint64_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // `done` of the total have finished. REQUIRES: done <= total.
  void Done(uint64_t done);
  void Clear();

 private:
  std::string label_;
  uint64_t total_;
  bool tty_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

class SimProgress {
 public:
  explicit SimProgress(std::string label);
  ~SimProgress();
  SimProgress(const SimProgress&) = delete;
  SimProgress& operator=(const SimProgress&) = delete;

  // A RunWatch's progress callback: simulated time `now` of `duration` (now may pass the
  // duration while the run is brought to rest and judged).
  void At(sim::Duration now, sim::Duration duration);
  void Clear();

 private:
  std::string label_;
  bool tty_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = started_;
};

}  // namespace mqsim::scenarios
