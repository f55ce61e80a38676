// Fuzz target: scenario files and milvus.yaml fragments, as a user might write them. Every
// input must load or be refused with a clear error: never a crash, a hang or a sanitizer
// report. Built with libFuzzer under --config=fuzz (clang); scenario_fuzz_replay_test runs
// the seed corpus and the kept regressions through it in the default suite.
#include <cstddef>
#include <cstdint>
#include <string>

#include "backends/mq_config.h"
#include "scenarios/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto no_files = [](const std::string& path) -> absl::StatusOr<std::string> {
    if (path.ends_with("values.yaml")) {  // a helm values file made from the same input
      return std::string("extraConfigFiles:\n  user.yaml: |+\n    mq:\n      type: natsmq\n");
    }
    return absl::NotFoundError(path + ": cannot open");
  };
  absl::StatusOr<mqsim::scenarios::Scenario> s =
      mqsim::scenarios::ParseScenario(text, "fuzz.yaml", "fuzz", no_files);
  if (s.ok()) {
    (void)s->PlanFor(1);
    (void)s->StoreTypeFor(1);
  } else if (s.status().message().empty()) {
    __builtin_trap();  // an error must say something
  }
  absl::StatusOr<mqsim::backends::MilvusMqConfig> c =
      mqsim::backends::ParseMilvusMqConfigText(text, "milvus.yaml");
  if (c.ok()) {
    (void)mqsim::backends::SelectMqType(*c, mqsim::backends::DeployMode::kStandalone);
    (void)mqsim::backends::SelectMqType(*c, mqsim::backends::DeployMode::kCluster);
  }
  return 0;
}
