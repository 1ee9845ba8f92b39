#!/usr/bin/env bash
# The ctest names of the unit tests (tests/CMakeLists.txt): "<module>: <test case>", as the
# scripts' are "cli: <script>" and "build: <name>", so that `ctest -R '^api: '` selects a module's
# cases in every build dir. They read "api:verify_thick ..." when the prefix's space was lost on
# its way to CatchAddTests.cmake (cmake -D drops a value's trailing blanks).
source "$(dirname "$0")/../interop/lib.sh"
: "${BUILD_DIR:?}"
list=$(cd "$BUILD_DIR" && ctest -N -L '^unit$' 2>&1) || die "ctest -N: $list"
names=$(sed -n 's/^ *Test  *#[0-9]*: //p' <<<"$list")
n=$(grep -c . <<<"$names" || true)
[[ $n -ge 100 ]] || die "only $n unit tests listed: $list"
bad=$(grep -Ev '^[a-z]+: [^ ]' <<<"$names" || true)
[[ -z $bad ]] || die "unit test names not '<module>: <test case>': $(head -3 <<<"$bad" | tr '\n' '|')"
for m in util cjson crypto intoto keystore tuf sys net oci cnab notary policy api lib; do
  grep -q "^$m: " <<<"$names" || die "no unit test named '$m: ...'"
done
ok "$n unit test names read '<module>: <test case>'"
