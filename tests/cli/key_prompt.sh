#!/usr/bin/env bash
# Passphrases typed at the terminal (no SIGNY_*_PASSPHRASE): three tries, as notary's retriever
# allows, for a new key (too short, or not repeated the same) and for an existing one (wrong).
source "$(dirname "$0")/../interop/lib.sh"
unset SIGNY_ROOT_PASSPHRASE SIGNY_TARGETS_PASSPHRASE SIGNY_SNAPSHOT_PASSPHRASE SIGNY_RELEASES_PASSPHRASE
# tty ANSWERS -- CMD...: runs CMD on a new pseudo-terminal, answers each prompt (output ending in
# ": ") with the next of the comma-separated ANSWERS; the transcript goes to tty.out, the exit
# code is the command's.
tty() {
  local answers=$1; shift 2
  /usr/bin/python3 - "$answers" "$@" >tty.out <<'PY'
import os, pty, select, sys
answers = sys.argv[1].split(",")
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
seen = b""
while True:
    ready, _, _ = select.select([fd], [], [], 20)
    if not ready:
        os.kill(pid, 9)
        sys.exit("no output for 20 s")
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    sys.stdout.buffer.write(data)
    seen += data
    if seen.endswith(b": "):
        os.write(fd, (answers.pop(0) if answers else "").encode() + b"\n")
        seen = b""
sys.stdout.flush()
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
PY
}
prompts() { grep -c "Enter" tty.out; }

# A new key: a short passphrase, then two that differ, then a good one typed twice.
tty "short,long enough 1,long enough 2,long enough 1,long enough 1" -- "$SIGNY" -d t key generate --role targets/ci ||
  die "generate with a third good try: $(cat tty.out)"
grep -q "at least 8 characters" tty.out && grep -q "do not match" tty.out || die "no reason given: $(cat tty.out)"
id=$(ls t/private | sed 's/\.key$//')
[[ -n $id ]] || die "no key written"
rc=0
tty "short,also,1234567" -- "$SIGNY" -d t2 key generate --role targets/ci || rc=$?
[[ $rc == 5 && $(prompts) == 3 ]] || die "three short passphrases: exit $rc, $(prompts) prompts: $(cat tty.out)"
grep -q "after 3 attempts" tty.out || die "no final error: $(cat tty.out)"
[[ -z $(ls t2/private 2>/dev/null) ]] || die "a key was written after three refused passphrases"
ok "a new key's passphrase is asked for up to three times at the terminal (too short, not the same twice)"

# An existing key: wrong twice, then right; wrong three times is the end.
tty "wrong 1,wrong 2,long enough 1" -- "$SIGNY" -d t key export "$id" || die "export with a third good try: $(cat tty.out)"
grep -q '"keytype":"ecdsa"' tty.out || die "no key exported: $(cat tty.out)"
[[ $(grep -c "Wrong passphrase, try again" tty.out) == 2 ]] || die "retries not announced: $(cat tty.out)"
rc=0
tty "wrong 1,wrong 2,wrong 3,long enough 1" -- "$SIGNY" -d t key export "$id" || rc=$?
[[ $rc == 3 && $(prompts) == 3 ]] || die "three wrong passphrases: exit $rc, $(prompts) prompts: $(cat tty.out)"
grep -q "wrong passphrase (3 attempts)" tty.out || die "no final error: $(cat tty.out)"
# From the environment a wrong passphrase is final, and a new key's needs 8 characters too.
expect_fail 3 "wrong passphrase (from SIGNY_RELEASES_PASSPHRASE)" -- env SIGNY_RELEASES_PASSPHRASE=wrong "$SIGNY" -d t key export "$id"
expect_fail 5 "SIGNY_RELEASES_PASSPHRASE is shorter than 8 characters" -- env SIGNY_RELEASES_PASSPHRASE=1234567 "$SIGNY" -d t key generate --role targets/x
ok "an existing key's passphrase is asked for again after a wrong one, three times in all; the environment gets one try"
echo "$pass passed, 0 failed"
