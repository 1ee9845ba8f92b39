#!/usr/bin/env bash
# The installed library (issue 10 item 5): `cmake --install` to a temporary prefix gives the one
# public header, libsigny (exporting only the facade), its CMake package and its pkg-config file;
# the example (examples/library) is built against that tree alone, with find_package and with
# pkg-config, and judges a bundle the installed signy signed: allowed, and a tampered one, an
# unsigned tag and a broken policy file denied.
source "$(dirname "$0")/../interop/lib.sh"
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}" "${CXX:?}"
require pkg-config
prefix=$work/prefix
cmake --install "$BUILD_DIR" --prefix "$prefix" >install.log 2>&1 || die "cmake --install: $(cat install.log)"
headers=$(cd "$prefix/include" && find . -type f -o -type l | sort)
[[ $headers == "./signy/signy.hpp" ]] || die "installed headers (module headers are private): $headers"
lib=$(find "$prefix" -name 'libsigny.so.*.*.*' | head -1)
[[ -n $lib && -L ${lib%.*.*} && -L ${lib%.*.*.*} ]] || die "libsigny with its soname and dev links: $(find "$prefix" -name 'libsigny*')"
libdir=$(dirname "$lib")
[[ -f $libdir/cmake/signy/signyConfig.cmake && -f $libdir/cmake/signy/signyConfigVersion.cmake && -f $libdir/pkgconfig/signy.pc ]] ||
  die "CMake package or pkg-config file missing: $(find "$prefix" -type f | sort)"
[[ -x $prefix/bin/signy ]] || die "no bin/signy"
ok "install: bin/signy, include/signy/signy.hpp only, libsigny.so with soname links, signyConfig.cmake, signy.pc"

# Only the facade is exported: no module's symbol (signy::api, signy::tuf, ...) nor a bundled
# library's. Template instances of std types alone may be exported (weak, as by any C++ library).
exported=$(nm -DC --defined-only "$lib" | awk '{ $1 = ""; $2 = ""; sub(/^ +/, ""); print }')
facade=$(grep -c '^signy::lib::' <<<"$exported" || true)
[[ $facade -ge 3 ]] || die "facade symbols not exported: $exported"
leaked=$(grep -v -e '^signy::lib::' -e '^std::' -e '^void std::' -e '^auto std::' -e '^typeinfo for std::' -e '^typeinfo name for std::' -e '^vtable for std::' \
                 -e '^_init$' -e '^_fini$' -e '^__gnu_cxx::' <<<"$exported" || true)
[[ -z $leaked ]] || die "libsigny exports more than its facade: $(head -20 <<<"$leaked")"
! ldd "$prefix/bin/signy" | grep -q libsigny || die "bin/signy links libsigny (it keeps its static modules)"
ok "libsigny exports $facade facade symbols and nothing of the modules; bin/signy does not need it"

cmake -S "$SOURCE_DIR/examples/library" -B ex-cmake -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_CXX_FLAGS="${EXAMPLE_CXXFLAGS-}" >ex-cmake.log 2>&1 || die "configure the example: $(cat ex-cmake.log)"
grep -qx "signy_DIR:PATH=$libdir/cmake/signy" ex-cmake/CMakeCache.txt || die "find_package found another signy: $(grep signy_DIR ex-cmake/CMakeCache.txt)"
cmake --build ex-cmake >>ex-cmake.log 2>&1 || die "build the example: $(cat ex-cmake.log)"
export PKG_CONFIG_PATH=$libdir/pkgconfig
[[ $(pkg-config --modversion signy) == "$("$prefix/bin/signy" version | grep -o '[0-9][0-9.]*' | head -1)" ]] ||
  die "pkg-config version $(pkg-config --modversion signy) is not signy's: $("$prefix/bin/signy" version)"
# shellcheck disable=SC2046,SC2086
"$CXX" -std=c++17 ${EXAMPLE_CXXFLAGS-} "$SOURCE_DIR/examples/library/verify_bundle.cpp" $(pkg-config --cflags --libs signy) \
  -Wl,-rpath,"$libdir" -o ex-pc 2>ex-pc.log || die "build the example with pkg-config: $(cat ex-pc.log)"
ok "the example builds against the installed tree with find_package(signy) and with pkg-config"

export SIGNY_ROOT_PASSPHRASE=root-pass-1 SIGNY_TARGETS_PASSPHRASE=targets-pass-1 SIGNY_SNAPSHOT_PASSPHRASE=snap-pass-1
make_thick bundle.tgz
ref=localhost:5000/demo/app
"$prefix/bin/signy" -d trust sign --thick bundle.tgz $ref:v1 >sign.log || die "sign: $(cat sign.log)"
for ex in ex-cmake/verify_bundle ./ex-pc; do
  out=$("$ex" -d trust --thick bundle.tgz --action install $ref:v1) || die "$ex denied a good bundle: $out"
  [[ $out == *"allow $ref:v1 signed by targets version 1"* ]] || die "$ex: $out"
  [[ $out == *"sha256 $(sha256sum bundle.tgz | cut -d' ' -f1)"* ]] || die "$ex: wrong digest: $out"
  [[ $(grep -c '^run .*@sha256:[0-9a-f]\{64\}$' <<<"$out") == 2 ]] || die "$ex: the 2 images digest-pinned: $out"
  grep -q '^check bundle-digest *passed' <<<"$out" || die "$ex: no passed bundle-digest check: $out"
done
ok "both builds allow the signed thick bundle and name its 2 images by digest"

cp bundle.tgz cut.tgz && printf '\x01' | dd of=cut.tgz bs=1 seek=4 conv=notrunc status=none
rc=0; out=$(ex-cmake/verify_bundle -d trust --thick cut.tgz $ref:v1) || rc=$?
[[ $rc == 1 && $out == *"deny (verification)"* && $out == *"error hash_mismatch (verification, exit code 1)"* ]] || die "tampered: $rc $out"
grep -q '^check bundle-digest *failed' <<<"$out" || die "tampered: no failed bundle-digest check: $out"
rc=0; out=$(ex-cmake/verify_bundle -d trust --thick bundle.tgz $ref:v9) || rc=$?
[[ $rc == 1 && $out == *"deny (not_signed)"* ]] || die "unsigned tag: $rc $out"
echo '{"version": "1.0", "policies": [' >bad-policy.json
rc=0; out=$(ex-cmake/verify_bundle -d trust --policy bad-policy.json --thick bundle.tgz $ref:v1) || rc=$?
[[ $rc == 1 && $out == *"deny ("* && $out == *"error malformed_json"* ]] || die "broken policy: $rc $out"
ok "a tampered bundle, an unsigned tag and a broken policy file are denied with their reason"
