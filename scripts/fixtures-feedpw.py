#!/usr/bin/python3
# Runs a command that asks for a password on its terminal (getpass reads /dev/tty, not stdin)
# inside a pseudo-terminal, and answers every prompt (a line ending in ':') with PASSWORD.
# Used by scripts/gen-fixtures.sh for `in-toto-keygen -p`.
#   usage: fixtures-feedpw.py PASSWORD COMMAND [ARG...]
import os
import pty
import select
import sys

if len(sys.argv) < 3:
    sys.exit("usage: fixtures-feedpw.py PASSWORD COMMAND [ARG...]")
password = sys.argv[1].encode()
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
pending = b""
while True:
    try:
        ready, _, _ = select.select([fd], [], [], 120)
        if not ready:
            os.kill(pid, 9)
            sys.exit("fixtures-feedpw: no output for 120 s, killed " + sys.argv[2])
        data = os.read(fd, 4096)
    except OSError:  # EIO: the child closed the terminal
        break
    if not data:
        break
    sys.stderr.buffer.write(data.replace(password, b"***"))
    pending += data
    if pending.rstrip().endswith(b":"):
        os.write(fd, password + b"\n")
        pending = b""
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
