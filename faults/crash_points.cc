#include "faults/crash_points.h"

namespace mqsim::faults {

std::string CrashPointReport::ToString() const {
  std::string out = std::to_string(operations) + " disk operations, " +
                    std::to_string(crash_points) + " crash points, " +
                    std::to_string(states_checked) + " crash states checked, " +
                    std::to_string(failures.size()) + " failures";
  for (size_t i = 0; i < failures.size() && i < 10; ++i) out += "\n  " + failures[i];
  return out;
}

CrashPointReport EnumerateCrashPoints(const std::function<std::unique_ptr<CrashTarget>()>& make,
                                      const CrashPointOptions& options) {
  CrashPointReport report;
  {
    std::unique_ptr<CrashTarget> t = make();
    const uint64_t before = t->disk().total_ops();
    t->RunWorkload();
    report.operations = t->disk().total_ops() - before;
  }
  for (uint64_t k = 1; k <= report.operations; k += options.stride) {
    std::unique_ptr<CrashTarget> t = make();
    sim::SimFileSystem& disk = t->disk();
    disk.PowerOffAtOperation(k);
    t->RunWorkload();
    disk.PowerOffAtOperation(0);
    t->Abandon();
    ++report.crash_points;
    std::vector<sim::DiskImage> states{disk.LiveImage()};
    for (sim::DiskImage& image : disk.EnumeratePowerLossImages(options.max_power_loss_images)) {
      states.push_back(std::move(image));
    }
    for (size_t i = 0; i < states.size(); ++i) {
      disk.Restore(states[i]);
      const std::string problem = t->RecoverAndCheck(/*power_loss=*/i > 0);
      ++report.states_checked;
      if (!problem.empty()) {
        report.failures.push_back(
            "crash at op " + std::to_string(k) + ", " +
            (i == 0 ? std::string("process crash") : "power-loss image " + std::to_string(i)) +
            ": " + problem);
      }
    }
  }
  return report;
}

}  // namespace mqsim::faults
