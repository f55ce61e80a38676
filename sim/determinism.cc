#include "sim/determinism.h"

#include <cinttypes>
#include <cstdio>
#include <deque>

namespace mqsim::sim {

namespace {

// Watches run B step by step against run A's step hashes and keeps B's last few events up
// to the first step whose hash differs.
class DivergenceSink : public TraceSink {
 public:
  DivergenceSink(const std::vector<uint64_t>& expected, uint64_t context)
      : expected_(expected), context_(context) {}

  void Write(const TraceEvent& event) override {
    if (divergent_step_ != 0) return;
    ring_.push_back(event);
    if (ring_.size() > context_ + 1) ring_.pop_front();
    if (event.step > expected_.size() || expected_[event.step - 1] != event.hash_after) {
      divergent_step_ = event.step;
    }
  }
  uint64_t divergent_step() const { return divergent_step_; }
  std::vector<TraceEvent> Context() const { return {ring_.begin(), ring_.end()}; }

 private:
  const std::vector<uint64_t>& expected_;
  uint64_t context_;
  std::deque<TraceEvent> ring_;
  uint64_t divergent_step_ = 0;
};

std::string Hex(uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

}  // namespace

DeterminismReport CheckDeterminism(const std::function<void(Trace&)>& run, uint64_t context_steps) {
  DeterminismReport report;
  std::vector<uint64_t> hashes_a;
  {
    Trace a;
    a.RecordStepHashes(&hashes_a);
    run(a);
    report.steps_a = a.steps();
    report.hash_a = a.hash();
  }
  DivergenceSink watch(hashes_a, context_steps);
  {
    Trace b;
    b.set_sink(&watch);
    run(b);
    report.steps_b = b.steps();
    report.hash_b = b.hash();
  }
  uint64_t step = watch.divergent_step();
  if (step == 0 && report.steps_a != report.steps_b) step = report.steps_b + 1;  // B ended early
  if (step == 0 && report.hash_a != report.hash_b) step = report.steps_a + 1;    // trailing draws
  if (step == 0) return report;

  report.deterministic = false;
  report.first_divergent_step = step;
  report.context_b = watch.Context();
  if (step <= report.steps_a) {
    // Re-run A to materialise its side of the window. Its step hashes show whether this
    // third run reproduced run A up to the divergent step (then its events are run A's).
    Trace c;
    std::vector<uint64_t> hashes_c;
    c.RecordStepHashes(&hashes_c);
    const uint64_t first = step > context_steps ? step - context_steps : 1;
    c.Capture(first, step, &report.context_a);
    run(c);
    report.context_a_rerun_diverged =
        hashes_c.size() < step || hashes_c[step - 1] != hashes_a[step - 1];
  }
  return report;
}

std::string DeterminismReport::ToString() const {
  if (deterministic) {
    return "deterministic: " + std::to_string(steps_a) + " steps, hash " + Hex(hash_a);
  }
  std::string out = "NONDETERMINISM: first divergent step " + std::to_string(first_divergent_step) +
                    " (run A: " + std::to_string(steps_a) + " steps, hash " + Hex(hash_a) +
                    "; run B: " + std::to_string(steps_b) + " steps, hash " + Hex(hash_b) + ")\n";
  auto find = [&](const std::vector<TraceEvent>& events) -> const TraceEvent* {
    for (const TraceEvent& e : events) {
      if (e.step == first_divergent_step) return &e;
    }
    return nullptr;
  };
  const TraceEvent* ea = find(context_a);
  const TraceEvent* eb = find(context_b);
  const std::string a_label = context_a_rerun_diverged ? "  run C: " : "  run A: ";
  out += a_label + (ea ? ea->ToString() : std::string("(no such step: run ended)")) + "\n";
  out += "  run B: " + (eb ? eb->ToString() : std::string("(no such step: run ended)")) + "\n";
  if (context_a_rerun_diverged) {
    out += "  (run A's event could not be shown: a third run, C, diverged from A as well)\n";
  }
  if (ea && eb && ea->ToString() == eb->ToString()) {
    out +=
        "  (the events read the same: random draws or hidden state since the previous "
        "step differed)\n";
  }
  out += "  preceding steps (identical in both runs):\n";
  for (const TraceEvent& e : context_b) {
    if (e.step < first_divergent_step) out += "    " + e.ToString() + "\n";
  }
  return out;
}

}  // namespace mqsim::sim
