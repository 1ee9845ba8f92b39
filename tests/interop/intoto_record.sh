#!/usr/bin/env bash
# Artifact recording: signy records a directory exactly as in-toto 1.3.1 records it for an
# inspection (in_toto_run(name, ["."], ["."], cmd), the call verifylib.run_all_inspections makes):
# same names, same sha256, the default excludes, symbolic links followed.
source "$(dirname "$0")/lib.sh"
require in-toto-run
: "${SIGNY_TESTTOOL:?}"
py=/usr/bin/python3
T=$SIGNY_TESTTOOL

reference() {  # DIR: the materials in_toto_run records in DIR, as sorted compact JSON
  (cd "$1" && "$py" -c '
import json
from in_toto.runlib import in_toto_run
print(json.dumps(in_toto_run("i", ["."], ["."], []).signed.materials, sort_keys=True, separators=(",", ":")))')
}
same() {  # DIR LABEL
  local ours theirs
  ours=$("$T" record "$1" | "$py" -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True, separators=(",", ":")))')
  theirs=$(reference "$1")
  [[ $ours == "$theirs" ]] || die "$2: signy records $ours, in-toto $theirs"
  [[ $ours != "{}" ]] || die "$2: nothing recorded"
  echo "$ours" | "$py" -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

# Every exclude pattern, nesting, empty files, names with spaces and non-ASCII, links to a file
# and to a directory, a broken link, a FIFO, backslashes (one colliding with a '/' path).
mkdir -p e/src/sub e/.git/objects e/x.link.d e/real e/d/.git "e/with space"
(
  cd e
  echo a >src/a.c && echo b >src/sub/b.h && : >empty && echo g >.git/objects/o && echo l >x.link
  echo l2 >src/y.linkfoo && echo p >m.pyc && echo p >src/sub/n.pyc && echo t >back~ && echo in >x.link.d/f
  echo r >real/r.txt && echo k >.gitignore && echo z >d/.git/z && echo s >"with space/f i"
  printf 'caf\xc3\xa9' >"caf$(printf '\xc3\xa9').txt" && printf 'a\r\nb' >crlf
  ln -s src/a.c lnfile && ln -s real lndir && ln -s nowhere broken && mkfifo fifo
  ln -s ../real/r.txt src/up-but-inside
  echo e >'src\evil' && echo c1 >'c\d' && mkdir c && echo c2 >c/d  # recorded as src/evil, c/d (the later)
)
n=$(same e "edge cases")
ok "edge cases: the same $n artifacts as in_toto_run"

# A larger random tree (one run's seed in the failure message).
seed=$RANDOM
"$py" - "$seed" <<'PY'
import os, random, sys
r = random.Random(int(sys.argv[1]))
names = ["a", "b.c", "x.link", "y.pyc", "z~", ".git", "lib", "ü", "d e"]
for i in range(400):
    p = os.path.join("r", *[r.choice(names) for _ in range(r.randint(1, 4))]) + str(i % 7)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    if not os.path.isdir(p):
        with open(p, "wb") as f:
            f.write(os.urandom(r.randint(0, 3000)))
PY
n=$(same r "random tree (seed $seed)")
ok "a random tree of $n artifacts: the same as in_toto_run (seed $seed)"
