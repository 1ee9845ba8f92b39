#include "signy/sys/shared_library.hpp"

#include <dlfcn.h>

namespace signy::sys {

Result<SharedLibrary> SharedLibrary::open(const char* soname) {
  // RTLD_LOCAL: its symbols serve only the pointers bound here. Never closed.
  void* h = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* why = ::dlerror();
    return fail(Errc::internal, std::string(soname) + " cannot be loaded: " + (why ? why : "unknown reason"));
  }
  return SharedLibrary(h, soname);
}

void* SharedLibrary::symbol(const char* name) const {
  ::dlerror();
  return ::dlsym(handle_, name);
}

tl::unexpected<Error> SharedLibrary::missing(const char* name) const {
  return fail(Errc::internal, soname_ + " has no function " + name);
}

}  // namespace signy::sys
