// sys::SharedLibrary: a library loaded by its soname, its functions bound by name, and the errors
// naming what is missing.
#include <catch2/catch.hpp>
#include <cstring>

#include "signy/sys/shared_library.hpp"

using namespace signy;

TEST_CASE("shared library: functions bound from a loaded library are its own") {
  auto libc = sys::SharedLibrary::open("libc.so.6");
  REQUIRE(libc);
  std::size_t (*len)(const char*) = nullptr;
  REQUIRE(libc->bind(len, "strlen"));
  REQUIRE(len != nullptr);
  CHECK(len("signy") == 5);
}

TEST_CASE("shared library: a missing library or function is an internal error naming it") {
  auto none = sys::SharedLibrary::open("libsigny-no-such-library.so.0");
  REQUIRE_FALSE(none);
  CHECK(none.error().code == Errc::internal);
  CHECK(none.error().message.starts_with("libsigny-no-such-library.so.0 cannot be loaded: "));
  CHECK(none.error().message.find('\n') == std::string::npos);

  auto libc = sys::SharedLibrary::open("libc.so.6");
  REQUIRE(libc);
  void (*fn)() = nullptr;
  auto st = libc->bind(fn, "signy_no_such_function");
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::internal);
  CHECK(st.error().message == "libc.so.6 has no function signy_no_such_function");
  CHECK(fn == nullptr);
}
