#!/usr/bin/env python3
"""Module layering is enforced by the include path (CMakeLists.txt, signy_module): for every module M
and every module X, M's compile command (from compile_commands.json) preprocesses a probe that
includes one of X's public headers, and one of its private ones (src/X/*.hpp) where it has any. It
must succeed exactly when X is M or one of its dependencies (transitively, as module-deps.txt
records the DEPS of each signy_module), and otherwise fail because the header is not found."""
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys
import tempfile

build, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
deps = {}
with open(os.path.join(build, "module-deps.txt")) as f:
    for line in f:
        name, _, rest = line.strip().partition(":")
        if name:
            deps[name] = rest.split()
if len(deps) < 10:
    sys.exit(f"layering: module-deps.txt lists {len(deps)} modules")

def closure(m):
    seen, todo = set(), [m]
    while todo:
        for d in deps[todo.pop()]:
            if d not in seen:
                seen.add(d)
                todo.append(d)
    return seen

# One compile command per module (any of its sources), as a preprocess-only command.
commands = {}
for entry in json.load(open(os.path.join(build, "compile_commands.json"))):
    path = os.path.normpath(entry["file"])
    for m in deps:
        if m in commands:
            continue
        if path.startswith(os.path.join(source, "src", m) + os.sep) or path.endswith(f"empty_{m}.cpp"):
            args = entry.get("arguments") or shlex.split(entry["command"])
            out, skip = [], False
            for a in args:
                if skip:
                    skip = False
                elif a in ("-o", "-c", "-MF", "-MT", "-MQ"):
                    skip = True
                elif a in ("-MD", "-MMD") or os.path.normpath(a) == path:
                    pass
                else:
                    out.append(a)
            if os.path.basename(out[0]) == "ccache":
                out = out[1:]
            commands[m] = (out, entry["directory"])
missing = set(deps) - set(commands)
if missing:
    sys.exit(f"layering: no compile command for {sorted(missing)}")

def header_of(m, where):
    d = os.path.join(source, where, m) if where == "src" else os.path.join(source, "include", "signy", m)
    hs = sorted(h for h in os.listdir(d) if h.endswith(".hpp")) if os.path.isdir(d) else []
    if not hs:
        return None
    return f"{m}/{hs[0]}" if where == "src" else f"signy/{m}/{hs[0]}"

tmp = tempfile.mkdtemp(prefix="signy-layering-")
cases = []
for m in deps:
    allowed = closure(m) | {m}
    for x in deps:
        for where in ("include", "src"):
            h = header_of(x, where)
            if h:
                # Private headers are the module's own: no other module sees them.
                cases.append((m, h, x == m if where == "src" else x in allowed))

def run(case):
    m, h, expect = case
    probe = os.path.join(tmp, f"{m}--{h.replace('/', '_')}.cpp")
    with open(probe, "w") as f:
        f.write(f'#include "{h}"\n')
    args, cwd = commands[m]
    r = subprocess.run(args + ["-E", "-o", os.devnull, probe], cwd=cwd, capture_output=True, text=True)
    if expect and r.returncode != 0:
        return f"{m} cannot include {h}, one of its own or its dependencies' headers:\n{r.stderr[:600]}"
    if not expect:
        if r.returncode == 0:
            return f"{m} can include {h}: it is not one of its dependencies"
        if "No such file or directory" not in r.stderr or h not in r.stderr:
            return f"{m} including {h} failed, but not as a header outside its include path:\n{r.stderr[:600]}"
    return None

with concurrent.futures.ThreadPoolExecutor(2) as pool:
    errors = [e for e in pool.map(run, cases) if e]
for f in os.listdir(tmp):
    os.unlink(os.path.join(tmp, f))
os.rmdir(tmp)
for e in errors:
    print("layering:", e)
refused = sum(1 for c in cases if not c[2])
print(f"layering: {len(cases)} includes checked over {len(deps)} modules ({refused} must be refused), {len(errors)} wrong")
sys.exit(1 if errors else 0)
