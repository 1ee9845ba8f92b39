#!/usr/bin/env bash
# Progress of long hashing (signy digest, sign --thick, verify --thick): a line on standard error
# when that is a terminal (a pty made by script(1)), redrawn in place and erased at the end; never
# in a pipe or a file, never with -o json, never for a small file.
source "$(dirname "$0")/../interop/lib.sh"
require script
require python3
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
# on_pty OUT COMMAND: runs the shell COMMAND with stdin, stdout and stderr on a new terminal;
# what the terminal showed goes to OUT. Its exit code is the command's.
on_pty() {
  local out=$1
  shift
  script -qfec "$1" /dev/null </dev/null >"$out"
}
line_re=$'\rsigny: hashing 100% \\(12 of 12 MiB\\)\r +\r'  # the last redraw, then erased

head -c $((12 << 20)) /dev/urandom >big.bin
head -c $((1 << 20)) /dev/urandom >small.bin
on_pty pty.out "\"$SIGNY\" digest big.bin" || die "digest on a terminal failed: $(cat pty.out)"
grep -q "signy: hashing   0% (0 of 12 MiB)" pty.out || die "no first progress line on the terminal: $(cat -A pty.out | head -c 600)"
[[ $(<pty.out) =~ $line_re ]] || die "the progress line does not end at 100% and is not erased: $(cat -A pty.out | head -c 600)"
grep -q "sha256  $(sha256sum big.bin | cut -d' ' -f1)" pty.out || die "digest's output on the terminal: $(cat -A pty.out)"
ok "digest of a 12 MiB file on a terminal: progress from 0% to 100%, then the line is erased"

on_pty pty.out "\"$SIGNY\" digest big.bin >stdout.txt" || die "digest with stdout in a file failed: $(cat pty.out)"
grep -q "hashing 100%" pty.out || die "standard error is the terminal: the progress belongs there: $(cat -A pty.out)"
grep -q "hashing" stdout.txt && die "progress reached standard output: $(cat -A stdout.txt)"
grep -q $'\r' stdout.txt && die "a carriage return reached standard output: $(cat -A stdout.txt)"
[[ $(<stdout.txt) == *"sha256  $(sha256sum big.bin | cut -d' ' -f1)"* ]] || die "digest's output: $(<stdout.txt)"
ok "with standard output in a file the progress is on the terminal (standard error) only"

on_pty pty.out "\"$SIGNY\" digest big.bin 2>stderr.txt | cat" || die "digest in a pipe failed: $(cat pty.out)"
[[ ! -s stderr.txt ]] || die "progress written to a file as standard error: $(cat -A stderr.txt)"
grep -q "hashing" pty.out && die "progress on the terminal though standard error is a file: $(cat -A pty.out)"
"$SIGNY" digest big.bin 2>&1 | grep -q "hashing" && die "progress in a pipe"
ok "no progress when standard error is a file or a pipe"

on_pty pty.out "\"$SIGNY\" -o json digest big.bin" || die "digest -o json failed: $(cat pty.out)"
grep -q "hashing" pty.out && die "progress with -o json: $(cat -A pty.out)"
tr -d '\r' <pty.out | python3 -c 'import json, sys; json.load(sys.stdin)' || die "-o json on a terminal is not JSON: $(cat -A pty.out)"
on_pty pty.out "\"$SIGNY\" digest small.bin" || die "digest of a small file failed"
grep -q "hashing" pty.out && die "progress for a 1 MiB file: $(cat -A pty.out)"
ok "no progress with -o json, nor for a small file"

# A thick bundle of 12 MiB (fixtures/cnab/thick/good.tgz's entries plus artifacts/big.bin), stored.
thick_plus bundle.tgz big.bin <<'PY'
dst.add(args[0], "artifacts/big.bin")
PY
ref=localhost:5000/demo/big
on_pty pty.out "\"$SIGNY\" -d trust sign --thick bundle.tgz $ref:v1" || die "sign --thick on a terminal failed: $(cat -A pty.out)"
grep -q "signy: hashing 100%" pty.out || die "sign --thick showed no progress: $(cat -A pty.out | head -c 600)"
grep -q "Created the trust collection $ref" pty.out || die "sign's output: $(cat -A pty.out)"
on_pty pty.out "\"$SIGNY\" -d trust verify --thick --local bundle.tgz $ref:v1" || die "verify --thick on a terminal failed: $(cat -A pty.out)"
grep -q "signy: hashing 100%" pty.out || die "verify --thick showed no progress: $(cat -A pty.out | head -c 600)"
grep -q "^Verified" <(tr '\r' '\n' <pty.out) || die "verify's output: $(cat -A pty.out)"
on_pty pty.out "\"$SIGNY\" -d trust -o json verify --thick --local bundle.tgz $ref:v1" || die "verify -o json failed"
grep -q "hashing" pty.out && die "verify -o json showed progress: $(cat -A pty.out | head -c 600)"
out=$("$SIGNY" -d trust verify --thick --local bundle.tgz $ref:v1 2>&1)
[[ $out == Verified* && $out != *hashing* ]] || die "verify in a pipe: $out"
ok "sign --thick and verify --thick show progress on a terminal, not with -o json nor in a pipe"

# A pass that fails half-way (a symbolic link after big.bin, 4 MiB before the end: the archive
# reader stops there): the line is erased before the error, which starts its own line.
thick_plus bad.tgz big.bin <<'PY'
big = args[0]
dst.add(big, "artifacts/big.bin")
link = tarfile.TarInfo("artifacts/link")
link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
dst.addfile(link)
with open(big, "rb") as f:
    rest = f.read(4 << 20)
more = tarfile.TarInfo("artifacts/more.bin")
more.size = len(rest)
dst.addfile(more, io.BytesIO(rest))
PY
rc=0
on_pty pty.out "\"$SIGNY\" -d trust sign --thick bad.tgz $ref:v2" || rc=$?
[[ $rc == 3 ]] || die "sign of an archive with a link: exit $rc, expected 3: $(cat -A pty.out)"
grep -q "signy: hashing " pty.out || die "no progress before the failure: $(cat -A pty.out)"
grep -q "signy: hashing 100%" pty.out && die "the test's archive was read to its end: $(cat -A pty.out)"
error_re=$'MiB\\)\r +\rsigny: bad.tgz: [^\r]*link'
[[ $(<pty.out) =~ $error_re ]] || die "the error does not start on an erased line: $(cat -A pty.out | head -c 800)"
ok "a pass that fails half-way erases its line before the one-line error"
echo "$pass passed, 0 failed"
