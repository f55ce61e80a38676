#!/usr/bin/env bash
# Bazel's workspace status (.bazelrc: --workspace_status_command): the commit the build comes
# from, which `mqsim --version` and every REPRO line report. "+dirty" marks uncommitted
# changes; outside a git checkout the version is "unknown".
commit="$(git rev-parse --short=12 HEAD 2>/dev/null || true)"
if [ -z "$commit" ]; then
  echo "STABLE_MQSIM_VERSION unknown"
  exit 0
fi
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit="${commit}+dirty"
fi
echo "STABLE_MQSIM_VERSION ${commit}"
