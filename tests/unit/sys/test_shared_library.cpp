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

namespace {
struct LibcFns {
  std::size_t (*strlen)(const char*) = nullptr;
};
struct MissingFns {
  void (*f)() = nullptr;
};
}  // namespace

TEST_CASE("shared library: a table of functions is loaded and bound once, every later call sees the same outcome") {
  int binds = 0;
  auto bind = [&binds](const sys::SharedLibrary& lib, LibcFns& fns) -> Status {
    ++binds;
    return lib.bind(fns.strlen, "strlen");
  };
  const auto& a = sys::LibraryFunctions<LibcFns>::load("libc.so.6", bind);
  const auto& b = sys::LibraryFunctions<LibcFns>::load("libc.so.6", bind);
  CHECK(&a == &b);
  CHECK(binds == 1);
  // Another call site (another lambda type) gets the same table: the library is not loaded again.
  const auto& c = sys::LibraryFunctions<LibcFns>::load("libc.so.6", [&binds](const sys::SharedLibrary&, LibcFns&) -> Status {
    ++binds;
    return {};
  });
  CHECK(&c == &a);
  CHECK(binds == 1);
  REQUIRE(a.status());
  CHECK(a.fns().strlen("in-toto") == 7);

  int tries = 0;
  auto none = [&tries](const sys::SharedLibrary&, MissingFns&) -> Status {
    ++tries;
    return {};
  };
  const auto& m = sys::LibraryFunctions<MissingFns>::load("libsigny-no-such-library.so.0", none);
  REQUIRE_FALSE(m.status());
  CHECK(m.status().error().message.starts_with("libsigny-no-such-library.so.0 cannot be loaded: "));
  CHECK(tries == 0);  // no library, nothing bound
  CHECK_FALSE(sys::LibraryFunctions<MissingFns>::load("libsigny-no-such-library.so.0", none).status());
}
