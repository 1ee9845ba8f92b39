#!/usr/bin/env bash
# libcurl and libarchive are loaded by the commands that use them, not linked (sys::SharedLibrary):
# a command that reaches no server and reads no thick archive starts without them, one that works
# with the file:// default and a thick archive needs libarchive alone, and a command whose library
# cannot be loaded fails with one line naming it, before doing anything.
source "$(dirname "$0")/../interop/lib.sh"
export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
# ldd captured first (grep -q closing the pipe would fail ldd under pipefail).
libs=$(ldd "$SIGNY" 2>/dev/null || true)
[[ $libs == *libc.so* ]] || die "ldd lists no libc for $SIGNY: $libs"
[[ $libs != *libcurl* && $libs != *libarchive* ]] || die "signy links libcurl or libarchive: $libs"
ok "signy links neither libcurl nor libarchive"

# Libraries that exist under the right names but cannot be loaded, found first.
mkdir nocurl noarchive
: >nocurl/libcurl.so.4
: >noarchive/libarchive.so.13
without() { local dir=$1; shift; LD_LIBRARY_PATH=$PWD/$dir "$@"; }
make_thick bundle.tgz
ref=localhost:5000/demo/app

without nocurl "$SIGNY" version >/dev/null || die "signy version needs libcurl"
without noarchive "$SIGNY" version >/dev/null || die "signy version needs libarchive"
without nocurl "$SIGNY" digest bundle.tgz >/dev/null || die "signy digest needs libcurl"
ok "version and digest run without libcurl and libarchive"

# The file:// default and a thick bundle: libarchive, never libcurl.
out=$(without nocurl "$SIGNY" -d trust sign --thick bundle.tgz $ref:v1 2>&1) || die "sign --thick on file:// needs libcurl: $out"
without nocurl "$SIGNY" -d trust verify --thick --local bundle.tgz $ref:v1 >/dev/null 2>&1 || die "verify --thick on file:// needs libcurl"
ok "sign and verify --thick on the file:// default run without libcurl"
expect_fail 6 "libarchive.so.13 cannot be loaded" -- without noarchive "$SIGNY" -d trust verify --thick --local bundle.tgz $ref:v1
ok "a thick bundle without a loadable libarchive: one line naming it, exit 6"

# A server: libcurl. Port 9 (discard) on loopback is never reached: the library is loaded first.
expect_fail 6 "libcurl.so.4 cannot be loaded" -- without nocurl "$SIGNY" -d trust2 --server https://127.0.0.1:9 list $ref
ok "a command that reaches a server without a loadable libcurl: one line naming it, exit 6"
