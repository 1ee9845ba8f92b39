#include "signy/net/transport.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

namespace signy::net {

BodySource bytes_source(std::string_view bytes) {
  auto pos = std::make_shared<std::size_t>(0);
  BodySource source;
  source.size = bytes.size();
  source.read = [bytes, pos](char* buf, std::size_t len) -> Result<std::size_t> {
    std::size_t n = std::min(len, bytes.size() - *pos);
    std::copy_n(bytes.data() + *pos, n, buf);
    *pos += n;
    return n;
  };
  source.rewind = [pos]() -> Status {
    *pos = 0;
    return {};
  };
  return source;
}

std::string_view method_name(Method m) noexcept {
  switch (m) {
    case Method::get: return "GET";
    case Method::head: return "HEAD";
    case Method::post: return "POST";
    case Method::put: return "PUT";
    case Method::patch: return "PATCH";
    case Method::del: return "DELETE";
  }
  return "GET";
}

const std::string* ResponseHead::header(std::string_view name) const {
  for (const auto& h : headers)
    if (std::equal(h.name.begin(), h.name.end(), name.begin(), name.end(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      return &h.value;
  return nullptr;
}

BodySink collect_into(std::string& out, std::size_t max_body, std::string url) {
  return [&out, max_body, url = std::move(url), sized = false](const ResponseHead& h, std::string_view chunk) mutable -> Status {
    if (!sized) {
      // One allocation instead of doubling, so a 2 MB metadata file costs 2 MB, not up to 4: of
      // the announced size, else (chunked, as notary-server sends) of the cap, which callers set
      // to the exact length the trusted metadata lists. Pages never written are never resident.
      sized = true;
      std::size_t want = std::min<std::size_t>(max_body, 16u << 20);
      if (const auto* len = h.header("content-length")) {
        bool digits = !len->empty() && len->size() <= 19 && len->find_first_not_of("0123456789") == std::string::npos;
        std::uint64_t n = digits ? std::stoull(*len) : 0;
        if (n > 0 && n <= max_body) want = static_cast<std::size_t>(n);
      }
      if (want > chunk.size()) out.reserve(want);
    }
    if (out.size() + chunk.size() > max_body)
      return fail(Errc::too_large, url + ": response exceeds the " + std::to_string(max_body) + "-byte limit (endless data?)");
    out.append(chunk);
    return {};
  };
}

Result<HttpResponse> Transport::fetch(const Request& request, std::size_t max_body) {
  HttpResponse out;
  auto head = send(request, collect_into(out.body, max_body, request.url), max_body);
  if (!head) return tl::unexpected(head.error());
  static_cast<ResponseHead&>(out) = std::move(*head);
  return out;
}

}  // namespace signy::net
