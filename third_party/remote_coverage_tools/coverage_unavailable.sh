#!/bin/sh
echo "mqsim: coverage is not available offline (Bazel's remote_coverage_tools cannot be downloaded on this machine)" >&2
exit 1
