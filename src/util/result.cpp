#include "signy/util/result.hpp"

namespace signy {

ErrorCategory category_of(Errc code) noexcept {
  switch (code) {
    case Errc::bad_signature:
    case Errc::threshold_not_met:
    case Errc::hash_mismatch:
    case Errc::length_mismatch:
    case Errc::expired:
    case Errc::rollback:
    case Errc::wrong_type:
    case Errc::untrusted_key:
    case Errc::image_mismatch:
    case Errc::missing_image:
    case Errc::unpinned_image:
    case Errc::rule_failed:
    case Errc::link_missing:
    case Errc::inspection_failed:
    case Errc::not_signed:
    case Errc::policy_denied:
      return ErrorCategory::verification;
    case Errc::usage:
    case Errc::read_only:
      return ErrorCategory::usage;
    case Errc::malformed_json:
    case Errc::duplicate_key:
    case Errc::too_large:
    case Errc::too_deep:
    case Errc::not_canonical:
    case Errc::unsupported_value:
    case Errc::malformed_pem:
    case Errc::malformed_der:
    case Errc::malformed_key:
    case Errc::unsupported_key_type:
    case Errc::unsupported_scheme:
    case Errc::wrong_passphrase:
    case Errc::bad_encoding:
    case Errc::invalid_bundle:
    case Errc::unsafe_archive:
    case Errc::unsupported_media_type:
      return ErrorCategory::bad_input;
    case Errc::network:
    case Errc::unauthorized:
    case Errc::conflict:
    case Errc::not_found_remote:
      return ErrorCategory::network;
    case Errc::io_error:
    case Errc::not_found:
    case Errc::already_exists:
    case Errc::bad_permissions:
    case Errc::no_passphrase:
    case Errc::damaged_trust_anchor:
    case Errc::lock_timeout:
      return ErrorCategory::local_io;
    case Errc::crypto_failure:
    case Errc::internal:
      return ErrorCategory::internal;
  }
  return ErrorCategory::internal;
}

std::string_view category_name(ErrorCategory category) noexcept {
  switch (category) {
    case ErrorCategory::verification: return "verification";
    case ErrorCategory::usage: return "usage";
    case ErrorCategory::bad_input: return "bad_input";
    case ErrorCategory::network: return "network";
    case ErrorCategory::local_io: return "local_io";
    case ErrorCategory::internal: break;
  }
  return "internal";
}

std::string_view errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::bad_signature: return "bad_signature";
    case Errc::threshold_not_met: return "threshold_not_met";
    case Errc::hash_mismatch: return "hash_mismatch";
    case Errc::length_mismatch: return "length_mismatch";
    case Errc::expired: return "expired";
    case Errc::rollback: return "rollback";
    case Errc::wrong_type: return "wrong_type";
    case Errc::untrusted_key: return "untrusted_key";
    case Errc::image_mismatch: return "image_mismatch";
    case Errc::missing_image: return "missing_image";
    case Errc::unpinned_image: return "unpinned_image";
    case Errc::rule_failed: return "rule_failed";
    case Errc::link_missing: return "link_missing";
    case Errc::inspection_failed: return "inspection_failed";
    case Errc::not_signed: return "not_signed";
    case Errc::policy_denied: return "policy_denied";
    case Errc::invalid_bundle: return "invalid_bundle";
    case Errc::unsafe_archive: return "unsafe_archive";
    case Errc::unsupported_media_type: return "unsupported_media_type";
    case Errc::usage: return "usage";
    case Errc::read_only: return "read_only";
    case Errc::malformed_json: return "malformed_json";
    case Errc::duplicate_key: return "duplicate_key";
    case Errc::too_large: return "too_large";
    case Errc::too_deep: return "too_deep";
    case Errc::not_canonical: return "not_canonical";
    case Errc::unsupported_value: return "unsupported_value";
    case Errc::malformed_pem: return "malformed_pem";
    case Errc::malformed_der: return "malformed_der";
    case Errc::malformed_key: return "malformed_key";
    case Errc::unsupported_key_type: return "unsupported_key_type";
    case Errc::unsupported_scheme: return "unsupported_scheme";
    case Errc::wrong_passphrase: return "wrong_passphrase";
    case Errc::bad_encoding: return "bad_encoding";
    case Errc::network: return "network";
    case Errc::unauthorized: return "unauthorized";
    case Errc::conflict: return "conflict";
    case Errc::not_found_remote: return "not_found_remote";
    case Errc::io_error: return "io_error";
    case Errc::not_found: return "not_found";
    case Errc::already_exists: return "already_exists";
    case Errc::bad_permissions: return "bad_permissions";
    case Errc::no_passphrase: return "no_passphrase";
    case Errc::damaged_trust_anchor: return "damaged_trust_anchor";
    case Errc::lock_timeout: return "lock_timeout";
    case Errc::crypto_failure: return "crypto_failure";
    case Errc::internal: return "internal";
  }
  return "internal";
}

int exit_code(ErrorCategory category) noexcept {
  switch (category) {
    case ErrorCategory::verification: return 1;
    case ErrorCategory::usage: return 2;
    case ErrorCategory::bad_input: return 3;
    case ErrorCategory::network: return 4;
    case ErrorCategory::local_io: return 5;
    case ErrorCategory::internal: return 6;
  }
  return 6;
}

Error Error::context(std::string_view what) const {
  return Error{code, std::string(what) + ": " + message};
}

}  // namespace signy
