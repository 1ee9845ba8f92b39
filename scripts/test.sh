#!/usr/bin/env bash
# The test command (README "Set-up"): installs what is missing, builds signy twice (release and
# AddressSanitizer+UndefinedBehaviorSanitizer) and runs the whole suite (unit and interop) on both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
jobs=${JOBS:-2}

echo "== release build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIGNY_TESTS=ON >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

echo "== sanitizer build (ASan + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSIGNY_SANITIZE=ON -DSIGNY_TESTS=ON >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest --output-on-failure -j"$jobs")
