// Errors are values (docs/architecture.md "Conventions"): every fallible function returns
// Result<T>; the error's code names the check that failed and its category decides the exit code.
#pragma once
#include <string>
#include <string_view>
#include <tl/expected.hpp>

namespace signy {

enum class ErrorCategory {
  verification,  // the input was well-formed but is not trusted (exit 1)
  usage,         // the command line is wrong (exit 2)
  bad_input,     // malformed or unsupported input data (exit 3)
  network,       // transport failures (exit 4)
  local_io,      // the local file system or key store (exit 5)
  internal,      // a bug or a library failure (exit 6)
};

enum class Errc {
  // verification refused
  bad_signature,
  threshold_not_met,
  hash_mismatch,
  length_mismatch,
  expired,
  rollback,
  wrong_type,
  untrusted_key,
  image_mismatch,  // an image's digest, size or media type differs from the signed bundle.json
  missing_image,   // an image the signed bundle names is not in the registry or the archive
  unpinned_image,  // an image without contentDigest (allowed only with --allow-unpinned)
  rule_failed,     // an in-toto artifact rule (DISALLOW, REQUIRE) refused the artifacts
  link_missing,    // an in-toto step has fewer link files than its threshold (LinkNotFoundError)
  inspection_failed,  // an in-toto inspection exited non-zero or tripped a resource limit
  not_signed,     // the collection has no signed target of that name, or no trust data at all
  policy_denied,  // the verification policy refuses it (no policy matches; a policy requirement not met)
  // usage
  usage,
  read_only,  // the server does not accept publishing (a static mirror)
  // bad input
  malformed_json,
  duplicate_key,
  too_large,
  too_deep,
  not_canonical,
  unsupported_value,
  malformed_pem,
  malformed_der,
  malformed_key,
  unsupported_key_type,
  unsupported_scheme,
  wrong_passphrase,
  bad_encoding,
  invalid_bundle,          // bundle.json breaks the CNAB bundle schema (cnab-spec 101)
  unsafe_archive,          // a thick archive entry: absolute path, '..', link, device, duplicate, size bomb
  unsupported_media_type,  // a manifest, index or config of a type signy does not read
  // network
  network,
  unauthorized,  // the server or its token service refused our credentials
  conflict,      // another writer published first, again and again (notary-server "VERSION")
  not_found_remote,  // the server has no such resource (HTTP 404)
  // local I/O
  io_error,
  not_found,
  already_exists,
  bad_permissions,
  no_passphrase,
  damaged_trust_anchor,  // a cached root.json that exists but cannot be used (never trusted anew)
  lock_timeout,  // another process held a lock for longer than the wait
  // internal
  crypto_failure,
  internal,
};

ErrorCategory category_of(Errc code) noexcept;
std::string_view errc_name(Errc code) noexcept;
// "verification", "usage", "bad_input", "network", "local_io", "internal" (README Exit codes).
std::string_view category_name(ErrorCategory category) noexcept;
int exit_code(ErrorCategory category) noexcept;

struct Error {
  Errc code;
  std::string message;  // one line, no secrets: "<what failed>: <why>"

  ErrorCategory category() const noexcept { return category_of(code); }
  // Prefixes context: Error{x, "bad pem"}.context("reading key.pem") -> "reading key.pem: bad pem".
  Error context(std::string_view what) const;
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> fail(Errc code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

}  // namespace signy

// Propagates an error from an expression returning Result<...>; evaluates to its value.
// Use it only as a whole initializer or statement (`auto x = SIGNY_TRY(f());`): leaving a GNU
// statement expression from inside a braced initializer or an argument list skips the
// destructors of what was already built (LeakSanitizer caught that in the CI run).
#define SIGNY_TRY(expr)                                                  \
  ({                                                                     \
    auto signy_try_r_ = (expr);                                          \
    if (!signy_try_r_) return ::tl::unexpected(std::move(signy_try_r_).error()); \
    std::move(signy_try_r_).value();                                     \
  })
#define SIGNY_TRY_VOID(expr)                                             \
  do {                                                                   \
    auto signy_try_r_ = (expr);                                          \
    if (!signy_try_r_) return ::tl::unexpected(std::move(signy_try_r_).error()); \
  } while (0)
