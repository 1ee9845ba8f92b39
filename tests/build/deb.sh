#!/usr/bin/env bash
# cpack -G DEB (issue 10 item 5): one .deb with the executable and the library, its Debian
# dependencies declared by dpkg-shlibdeps from the shared libraries both use, the library's
# shlibs and ldconfig run; checked with dpkg-deb -I (control) and -c (contents).
source "$(dirname "$0")/../interop/lib.sh"
: "${BUILD_DIR:?}"
require dpkg-deb
require dpkg-shlibdeps
cpack -G DEB --config "$BUILD_DIR/CPackConfig.cmake" -B "$work/pkg" >cpack.log 2>&1 || die "cpack: $(cat cpack.log)"
deb=$(find "$work/pkg" -maxdepth 1 -name 'signy_*.deb')
[[ $(wc -l <<<"$deb") == 1 && -f $deb ]] || die "one signy_*.deb expected: $(ls "$work/pkg")"
info=$(dpkg-deb -I "$deb")
field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == signy && $(field Version) == "$("$SIGNY" version | grep -o '[0-9][0-9.]*' | head -1)" ]] ||
  die "package name or version: $info"
[[ $(field Architecture) == "$(dpkg --print-architecture)" ]] || die "architecture: $(field Architecture)"
depends=$(field Depends)
# What bin/signy and libsigny link (libc, OpenSSL 3, libsodium) or load when first needed (libcurl,
# libarchive: dpkg-shlibdeps cannot see those, CMakeLists.txt names them), in bookworm names.
for p in libc6 libssl3 libcurl4 libarchive13 libsodium23; do
  [[ $depends == *"$p "* || $depends == *"$p," || $depends == *"$p" ]] || die "Depends lacks $p: $depends"
done
[[ $depends == *"libstdc++6"* ]] || die "Depends lacks libstdc++6 (libsigny's API is C++): $depends"
ctl() { dpkg-deb --ctrl-tarfile "$deb" | tar -xO "./$1" 2>/dev/null; }
[[ $(ctl shlibs) == "libsigny 0 signy (>= "* ]] || die "shlibs: $(ctl shlibs)"
# The library's cache: an ldconfig trigger, or (CMake before 3.27) postinst/postrm running ldconfig.
[[ $(ctl triggers) == *ldconfig* || ($(ctl postinst) == *ldconfig* && $(ctl postrm) == *ldconfig*) ]] ||
  die "ldconfig is not run on install and removal: $info"
ok "control: signy $(field Version) $(field Architecture), Depends: $depends"

contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
for f in ./usr/bin/signy ./usr/include/signy/signy.hpp ./usr/lib/pkgconfig/signy.pc ./usr/lib/cmake/signy/signyConfig.cmake \
  ./usr/lib/cmake/signy/signyTargets.cmake; do
  grep -qx -- "$f" <<<"$contents" || die "$f not in the package: $contents"
done
grep -q '^\./usr/lib/libsigny\.so\.[0-9]*\.[0-9]*\.[0-9]*$' <<<"$contents" || die "libsigny.so.X.Y.Z not in the package: $contents"
[[ $(grep -c '^\./usr/include/.*\.hpp$' <<<"$contents") == 1 ]] || die "module headers packaged: $contents"
mkdir x && dpkg-deb -x "$deb" x
[[ $(readlink x/usr/lib/libsigny.so.0) == libsigny.so.* ]] || die "no soname link libsigny.so.0"
x/usr/bin/signy version | grep -q signy || die "the packaged signy does not run"
# Stripped (CPACK_STRIP_FILES): the RelWithDebInfo build's debug information is not shipped.
for f in x/usr/bin/signy x/usr/lib/libsigny.so.0; do
  ! readelf -S "$f" | grep -q '\.debug_info' || die "$f is not stripped (Installed-Size $(field Installed-Size) KiB)"
done
ok "contents: /usr/bin/signy, libsigny with its soname link (both stripped), the one public header, CMake and pkg-config files"
