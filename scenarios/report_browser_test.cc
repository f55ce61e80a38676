// The HTML report in a real browser: headless Chromium (Debian's) renders the report of a
// failing run; the rendered DOM must hold the timeline, the fault bands and the failure
// marker linked to the evidence, and a screenshot is kept as a test output
// ($TEST_UNDECLARED_OUTPUTS_DIR/report.png).
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "scenarios/shell_for_tests.h"

namespace {

std::pair<int, std::string> Shell(const std::string& cmd) {
  const mqsim::scenarios::ShellResult r = mqsim::scenarios::RunShell(cmd + " 2>/dev/null");
  return {r.code, r.out};
}

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

TEST_CASE("a failing run's report renders in Chromium with its timeline, bands and marker") {
  const std::string tmp = Env("TEST_TMPDIR", "/tmp");
  const std::string outputs = Env("TEST_UNDECLARED_OUTPUTS_DIR", tmp.c_str());
  const std::string mqsim = Env("TEST_SRCDIR", ".") + std::string("/mqsim/scenarios/mqsim");
  const std::string report = tmp + "/report.html";
  // A crash-heavy scenario with GC pauses, failing `latest` under a bug mode.
  const auto [code, out] =
      Shell("timeout 120 " + mqsim +
            " report rocksmq-retention --seed 1 --bug latest_prefix --out " + report);
  INFO(out);
  REQUIRE(code == 1);
  REQUIRE(std::filesystem::file_size(report) > 1000);

  const std::string chromium = "HOME=" + tmp +
                               " timeout 120 chromium --headless=new --no-sandbox " +
                               "--disable-gpu --user-data-dir=" + tmp + "/chromium";
  const auto [dom_code, dom] = Shell(chromium + " --dump-dom file://" + report);
  REQUIRE(dom_code == 0);
  CHECK(dom.find("id=\"timeline\"") != std::string::npos);
  CHECK(dom.find("id=\"rates\"") != std::string::npos);
  CHECK(dom.find("id=\"backlog\"") != std::string::npos);
  CHECK(dom.find("id=\"disk\"") != std::string::npos);  // stored and unsynced bytes
  CHECK(dom.find("id=\"fault-bands\"") != std::string::npos);
  CHECK(dom.find("class=\"band\"") != std::string::npos);  // crashes and GC pauses happened
  CHECK(dom.find("id=\"failure-marker\"") != std::string::npos);
  CHECK(dom.find("href=\"#evidence\"") != std::string::npos);
  CHECK(dom.find("id=\"evidence\"") != std::string::npos);
  CHECK(dom.find("--expect-hash") != std::string::npos);  // the REPRO line

  const std::string png = outputs + "/report.png";
  const auto [shot_code, shot] =
      Shell(chromium + " --window-size=1100,1300 --screenshot=" + png + " file://" + report);
  CHECK(shot_code == 0);
  REQUIRE(std::filesystem::exists(png));
  CHECK(std::filesystem::file_size(png) > 10000);
}

}  // namespace
