#include "net/libcurl.hpp"

#include "signy/sys/shared_library.hpp"

namespace signy::net::lib {
namespace {

// libcurl 7.85 or later (CURLOPT_PROTOCOLS_STR), as the .deb's Depends says.
constexpr const char* kSoname = "libcurl.so.4";

const sys::LibraryFunctions<Curl>& table() {
  return sys::LibraryFunctions<Curl>::load(kSoname, [](const sys::SharedLibrary& lib, Curl& fns) -> Status {
#define SIGNY_CURL_BIND(name) SIGNY_TRY_VOID(lib.bind(fns.name, #name));
    SIGNY_CURL_FUNCTIONS(SIGNY_CURL_BIND)
    SIGNY_CURL_BIND(curl_easy_setopt)
#undef SIGNY_CURL_BIND
    // Before any other call, once (not thread-safe: done under the table's initialisation guard).
    if (fns.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return fail(Errc::internal, std::string(kSoname) + ": curl_global_init failed");
    return {};
  });
}

}  // namespace

Status load_curl() { return table().status(); }
const Curl& curl() { return table().fns(); }

}  // namespace signy::net::lib
