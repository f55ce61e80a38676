// The bad-input corpus (scenarios/bad_inputs/cases.tsv): malformed and out-of-range
// scenarios, hostile seeds and seed ranges, devices, directories, huge durations and
// conflicting options. Each must end with its exit code and a message that names the
// problem, within a time bound (a run that hangs is killed and fails the case).
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "scenarios/shell_for_tests.h"

namespace {

struct Case {
  int code = 0;
  std::string args;
  std::string text;
};

std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/mqsim/" + path;
}

std::vector<Case> ReadCases() {
  std::ifstream in(Runfile("scenarios/bad_inputs/cases.tsv"));
  std::vector<Case> cases;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Case c;
    std::string code;
    std::getline(fields, code, '\t');
    std::getline(fields, c.args, '\t');
    std::getline(fields, c.text);
    c.code = std::stoi(code);
    cases.push_back(c);
  }
  return cases;
}

// Runs mqsim under coreutils' timeout: 124 means it was still running after 60 s.
std::pair<int, std::string> Run(std::string args) {
  const std::string dir = Runfile("scenarios/bad_inputs");
  for (size_t at; (at = args.find("$D")) != std::string::npos;) args.replace(at, 2, dir);
  const std::string cmd =
      "timeout -k 5 60 " + Runfile("scenarios/mqsim") + " " + args + " 2>&1 </dev/null";
  const mqsim::scenarios::ShellResult r = mqsim::scenarios::RunShell(cmd);
  return {r.code, r.out};
}

TEST_CASE("every bad input ends with its exit code and says what is wrong") {
  const std::vector<Case> cases = ReadCases();
  REQUIRE(cases.size() >= 60);
  for (const Case& c : cases) {
    const auto [code, out] = Run(c.args);
    INFO("mqsim " << c.args << "\n" << out);
    CHECK(code != 124);  // not a hang
    CHECK(code == c.code);
    CHECK(out.find(c.text) != std::string::npos);
  }
}

}  // namespace
