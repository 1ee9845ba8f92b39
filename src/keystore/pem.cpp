// PEM with RFC 1421 headers, as Go's encoding/pem writes Notary key files.
#include <algorithm>

#include "signy/keystore/keystore.hpp"

namespace signy::keystore {
namespace {
constexpr std::size_t kMaxPem = 64u << 10;
constexpr std::size_t kMaxHeaders = 8;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}
}  // namespace

Result<PemBlock> parse_pem(std::string_view text) {
  if (text.size() > kMaxPem) return fail(Errc::too_large, "PEM file larger than 64 KiB");
  auto begin = text.find("-----BEGIN ");
  if (begin == std::string_view::npos) return fail(Errc::malformed_pem, "no PEM block");
  auto type_end = text.find("-----", begin + 11);
  auto eol = text.find('\n', begin);
  if (type_end == std::string_view::npos || eol == std::string_view::npos || type_end > eol)
    return fail(Errc::malformed_pem, "malformed PEM BEGIN line");
  PemBlock block;
  block.type = std::string(text.substr(begin + 11, type_end - begin - 11));
  std::string end_line = "-----END " + block.type + "-----";
  auto end = text.find(end_line, eol);
  if (end == std::string_view::npos) return fail(Errc::malformed_pem, "truncated PEM: no END " + block.type.substr(0, 40) + " line");
  std::string_view body = text.substr(eol + 1, end - eol - 1);
  // One block per file: a second key (or anything else) after it would be ignored by some readers
  // and read by others.
  std::string_view rest = text.substr(end + end_line.size());
  if (rest.find("-----BEGIN ") != std::string_view::npos) return fail(Errc::malformed_pem, "the file holds more than one PEM block");
  if (rest.find_first_not_of(" \t\r\n") != std::string_view::npos) return fail(Errc::malformed_pem, "data after the PEM block");
  // Headers: "Key: value" lines up to a blank line.
  if (body.find(':') != std::string_view::npos) {
    while (true) {
      auto nl = body.find('\n');
      if (nl == std::string_view::npos) return fail(Errc::malformed_pem, "PEM headers without a blank line");
      std::string_view line = trim(body.substr(0, nl));
      body.remove_prefix(nl + 1);
      if (line.empty()) break;
      auto colon = line.find(':');
      if (colon == std::string_view::npos) return fail(Errc::malformed_pem, "malformed PEM header line");
      if (block.headers.size() >= kMaxHeaders) return fail(Errc::malformed_pem, "too many PEM headers");
      std::string key(trim(line.substr(0, colon)));
      if (!block.headers.emplace(key, std::string(trim(line.substr(colon + 1)))).second)
        return fail(Errc::malformed_pem, "duplicate PEM header " + key.substr(0, 32));
    }
  }
  auto der = base64_decode_lenient_whitespace(body);
  if (!der) return fail(Errc::malformed_pem, "PEM body is not valid base64");
  if (der->empty()) return fail(Errc::malformed_pem, "empty PEM body");
  block.der = std::move(*der);
  return block;
}

}  // namespace signy::keystore
