// Runs files through the fuzz target without libFuzzer (any compiler): the stock scenarios,
// the helm values, and every input in fuzz_regressions/ (inputs that once crashed or were
// refused without a clear error). Usage: scenario_fuzz_replay FILE...
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  int n = 0;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", argv[i]);
      return 2;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string s = ss.str();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    ++n;
  }
  std::printf("%d inputs, no crash\n", n);
  return n > 0 ? 0 : 1;
}
