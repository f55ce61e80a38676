// RunShell: runs a shell command for a test and returns its exit code and standard output
// (callers add `2>&1` to see standard error too). -1 when it did not exit normally.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace mqsim::scenarios {

struct ShellResult {
  int code = -1;
  std::string out;
};

inline ShellResult RunShell(const std::string& command) {
  ShellResult r;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace mqsim::scenarios
