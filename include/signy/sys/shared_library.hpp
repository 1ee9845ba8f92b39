// A shared library loaded when first needed (dlopen), for libcurl (net) and libarchive (cnab):
// linked, they and their ~40 dependencies cost every signy process ~6 ms and ~7 MiB at start-up
// (signy version: 8.1 ms and 13.2 MiB linked, 2.4 ms and 5.6 MiB loaded on demand), though only
// the commands that reach a server or read a thick archive call them.
//
// The library is named by its soname (its ABI: "libcurl.so.4") and found as the dynamic linker
// finds a linked one. It stays loaded until the process exits (its functions may be in use).
#pragma once
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>

#include "signy/util/result.hpp"

namespace signy::sys {

class SharedLibrary {
 public:
  // Errc::internal naming the library and the loader's reason when it cannot be loaded.
  static Result<SharedLibrary> open(const char* soname);

  // The function `name` into `fn`; Errc::internal naming it when the library lacks it.
  template <class F>
  Status bind(F*& fn, const char* name) const {
    void* p = symbol(name);
    if (!p) return missing(name);
    fn = reinterpret_cast<F*>(p);
    return {};
  }

 private:
  SharedLibrary(void* handle, std::string soname) : handle_(handle), soname_(std::move(soname)) {}
  void* symbol(const char* name) const;
  tl::unexpected<Error> missing(const char* name) const;
  void* handle_;
  std::string soname_;
};

// A table of functions (Fns, a struct of pointers) from one library, loaded and bound once per
// process, on first use, by `bind(library, fns)` (which may also call a set-up function); every
// later call gets the same outcome. For net's libcurl and cnab's libarchive.
template <class Fns>
class LibraryFunctions {
 public:
  // One table per Fns, whatever `bind` (only the first call's soname and bind are used).
  template <class Bind>
  static const LibraryFunctions& load(const char* soname, Bind bind) {
    std::call_once(once(), [&] { table().emplace(LibraryFunctions(soname, bind)); });
    return *table();
  }
  Status status() const {
    if (error_) return tl::unexpected(*error_);
    return {};
  }
  // Only after status() succeeded: a call before that is a bug in the module (abort).
  const Fns& fns() const {
    if (error_) std::abort();
    return fns_;
  }

 private:
  template <class Bind>
  LibraryFunctions(const char* soname, Bind bind) {
    auto lib = SharedLibrary::open(soname);
    Status st = lib ? bind(*lib, fns_) : Status(tl::unexpected(lib.error()));
    if (!st) error_ = st.error();
  }
  Fns fns_{};
  std::optional<Error> error_;
  static std::once_flag& once() {
    static std::once_flag flag;
    return flag;
  }
  static std::optional<LibraryFunctions>& table() {
    static std::optional<LibraryFunctions> t;
    return t;
  }
};

}  // namespace signy::sys
