// A shared library loaded when first needed (dlopen), for libcurl (net) and libarchive (cnab):
// linked, they and their ~40 dependencies cost every signy process ~6.5 ms and ~5 MiB at start-up
// (measured: a program linking them against one that does not), though only the commands that
// reach a server or read a thick archive call them.
//
// The library is named by its soname (its ABI: "libcurl.so.4") and found as the dynamic linker
// finds a linked one. It stays loaded until the process exits (its functions may be in use).
#pragma once
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

}  // namespace signy::sys
