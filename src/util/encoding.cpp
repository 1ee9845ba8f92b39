#include "signy/util/encoding.hpp"

#include <array>

namespace signy {
namespace {
constexpr char kHex[] = "0123456789abcdef";
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::array<std::int8_t, 256> make_b64_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kB64[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr auto kB64Table = make_b64_table();
}  // namespace

std::string hex_encode(std::span<const std::uint8_t> data) {
  std::string out(data.size() * 2, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 0x0f];
  }
  return out;
}

Result<Bytes> hex_decode(std::string_view hex) {
  if (hex.size() % 2 != 0) return fail(Errc::bad_encoding, "hex string has an odd length");
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return fail(Errc::bad_encoding, "invalid hex character");
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string base64_encode(std::span<const std::uint8_t> data) {
  std::string out;
  base64_encode_append(out, data);
  return out;
}

void base64_encode_append(std::string& out, std::span<const std::uint8_t> data) {
  out.reserve(out.size() + (data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    std::uint32_t v = data[i] << 16 | data[i + 1] << 8 | data[i + 2];
    out += kB64[v >> 18 & 63];
    out += kB64[v >> 12 & 63];
    out += kB64[v >> 6 & 63];
    out += kB64[v & 63];
  }
  if (std::size_t rest = data.size() - i; rest == 1) {
    std::uint32_t v = data[i] << 16;
    out += kB64[v >> 18 & 63];
    out += kB64[v >> 12 & 63];
    out += "==";
  } else if (rest == 2) {
    std::uint32_t v = data[i] << 16 | data[i + 1] << 8;
    out += kB64[v >> 18 & 63];
    out += kB64[v >> 12 & 63];
    out += kB64[v >> 6 & 63];
    out += '=';
  }
}

namespace {
// Strict RFC 4648 decoding; put(byte) receives each decoded byte.
template <class Put>
Status base64_decode_each(std::string_view in, const Put& put) {
  if (in.size() % 4 != 0) return fail(Errc::bad_encoding, "base64 length is not a multiple of 4");
  std::size_t pad = 0;
  if (!in.empty() && in.back() == '=') pad = (in.size() >= 2 && in[in.size() - 2] == '=') ? 2 : 1;
  for (std::size_t i = 0; i < in.size(); i += 4) {
    std::uint32_t v = 0;
    bool last = i + 4 == in.size();
    for (std::size_t j = 0; j < 4; ++j) {
      char c = in[i + j];
      int d;
      if (c == '=') {
        if (!last || j < 4 - pad) return fail(Errc::bad_encoding, "misplaced base64 padding");
        d = 0;
      } else {
        d = kB64Table[static_cast<unsigned char>(c)];
        if (d < 0) return fail(Errc::bad_encoding, "invalid base64 character");
      }
      v = v << 6 | static_cast<std::uint32_t>(d);
    }
    put(static_cast<std::uint8_t>(v >> 16));
    if (!(last && pad == 2)) put(static_cast<std::uint8_t>(v >> 8));
    if (!(last && pad >= 1)) put(static_cast<std::uint8_t>(v));
    // RFC 4648 3.5: the unused bits before the padding must be zero.
    if (last && ((pad == 2 && (v & 0xffff)) || (pad == 1 && (v & 0xff))))
      return fail(Errc::bad_encoding, "non-canonical base64 padding bits");
  }
  return {};
}
}  // namespace

Result<Bytes> base64_decode(std::string_view in) {
  Bytes out;
  out.reserve(in.size() / 4 * 3);
  SIGNY_TRY_VOID(base64_decode_each(in, [&](std::uint8_t b) { out.push_back(b); }));
  return out;
}

Result<std::size_t> base64_decode_to(std::string_view in, std::span<std::uint8_t> out) {
  if (in.size() / 4 * 3 > out.size() + 2) return fail(Errc::too_large, "base64 value longer than expected");
  std::size_t n = 0;
  bool overflow = false;
  SIGNY_TRY_VOID(base64_decode_each(in, [&](std::uint8_t b) {
    if (n < out.size()) out[n++] = b;
    else overflow = true;
  }));
  if (overflow) return fail(Errc::too_large, "base64 value longer than expected");
  return n;
}

Result<Bytes> base64_decode_lenient_whitespace(std::string_view in) {
  std::string compact;
  compact.reserve(in.size());
  for (char c : in)
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') compact += c;
  return base64_decode(compact);
}

}  // namespace signy
