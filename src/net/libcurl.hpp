// libcurl, loaded on first use (sys::SharedLibrary): the functions signy calls, under their own
// names in signy::net::lib. HttpClient::create loads it (lib::load_curl), so every call made
// through a client finds it loaded.
#pragma once
// The calls go through the pointers below, not through curl.h's names (its argument-count macros
// for curl_easy_setopt and curl_easy_getinfo are undefined here). lib::curl_easy_setopt refuses at
// compile time an int or an enum where libcurl reads a long through its `...`, a mistake that
// matters on LP64 and that nothing else catches in C++ (curl.h's type checks are C only).
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#undef curl_easy_setopt
#undef curl_easy_getinfo

#include <type_traits>

#include "signy/util/result.hpp"

namespace signy::net::lib {

// The functions signy calls (curl_easy_setopt apart: below).
#define SIGNY_CURL_FUNCTIONS(X)                                                                     \
  X(curl_global_init) X(curl_easy_init) X(curl_easy_cleanup) X(curl_easy_reset) X(curl_easy_getinfo) \
  X(curl_easy_perform) X(curl_easy_strerror) X(curl_slist_append) X(curl_slist_free_all)            \
  X(curl_mime_init) X(curl_mime_free) X(curl_mime_addpart) X(curl_mime_name) X(curl_mime_filename)  \
  X(curl_mime_type) X(curl_mime_data_cb)

struct Curl {
#define SIGNY_CURL_POINTER(name) decltype(&::name) name = nullptr;
  SIGNY_CURL_FUNCTIONS(SIGNY_CURL_POINTER)
  SIGNY_CURL_POINTER(curl_easy_setopt)
#undef SIGNY_CURL_POINTER
};

// Loads libcurl once per process (then curl_global_init); Errc::internal naming what is missing.
Status load_curl();
// The functions, once load_curl succeeded.
const Curl& curl();

// Each function under its own name: lib::curl_easy_init() calls the loaded curl_easy_init.
#define SIGNY_CURL_FORWARD(name) \
  template <class... A>          \
  inline auto name(A... a) {     \
    return curl().name(a...);    \
  }
SIGNY_CURL_FUNCTIONS(SIGNY_CURL_FORWARD)
#undef SIGNY_CURL_FORWARD

// Variadic: an integer goes as a long (or curl_off_t, the same type on LP64) or libcurl reads
// garbage; an enum value (CURLUSESSL_ALL...) must be cast to long too.
template <class T>
inline CURLcode curl_easy_setopt(CURL* c, CURLoption option, T value) {
  static_assert(!std::is_enum_v<T> && (!std::is_integral_v<T> || std::is_same_v<T, long> || std::is_same_v<T, curl_off_t>),
                "libcurl reads an integer option as a long");
  return curl().curl_easy_setopt(c, option, value);
}

}  // namespace signy::net::lib
