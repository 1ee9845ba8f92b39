// Byte helpers: lowercase hex and RFC 4648 section 4 base64 (standard alphabet, '=' padding).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "signy/util/result.hpp"

namespace signy {

using Bytes = std::vector<std::uint8_t>;

inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::string hex_encode(std::span<const std::uint8_t> data);
// Accepts upper and lower case; refuses odd lengths and non-hex characters.
Result<Bytes> hex_decode(std::string_view hex);

std::string base64_encode(std::span<const std::uint8_t> data);
void base64_encode_append(std::string& out, std::span<const std::uint8_t> data);
// Strict: standard alphabet, padding required, no whitespace, canonical trailing bits.
Result<Bytes> base64_decode(std::string_view b64);
// The same into a caller's buffer (no allocation); Errc::too_large when it does not fit.
Result<std::size_t> base64_decode_to(std::string_view b64, std::span<std::uint8_t> out);
// For PEM bodies: ignores CR, LF, space and tab between characters, otherwise strict.
Result<Bytes> base64_decode_lenient_whitespace(std::string_view b64);

}  // namespace signy
