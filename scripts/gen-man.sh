#!/usr/bin/env bash
# Regenerates the man page docs/man/signy.1 and the bash completion completions/signy.bash from the
# --help of every signy command (scripts/cli_docs.py), one command after a command or option
# changed: tests/cli/man_completion.sh fails until both are regenerated and committed.
# Usage: scripts/gen-man.sh [SIGNY]   (default: build/signy, built first when it is missing)
set -euo pipefail
cd "$(dirname "$0")/.."
signy=${1:-build/signy}
if [[ $# == 0 ]]; then
  [[ -d build ]] || cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j"${JOBS:-2}" --target signy >/dev/null
fi
[[ -x $signy ]] || { echo "gen-man.sh: $signy is not an executable" >&2; exit 2; }
python3 scripts/cli_docs.py "$signy" --man docs/man/signy.1 --completion completions/signy.bash
echo "wrote docs/man/signy.1 and completions/signy.bash from $signy --help"
