// One HTTP transport for every client of a server (Notary today, OCI registries next): a request
// with its body given as bytes, a multipart form or a streaming source, and a response whose
// body is handed to a sink as it arrives, never more than a cap, so a blob never has to be held
// in a std::string. net::HttpClient (libcurl) implements it; tests/fake_transport.hpp
// is the in-process fake the unit tests use.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signy/util/result.hpp"

namespace signy::net {

enum class Method { get, head, post, put, patch, del };
std::string_view method_name(Method m) noexcept;  // "GET", "HEAD", ...

struct Header {
  std::string name, value;  // response header names are lower case
};

// One part of a multipart/form-data body. data is not copied: it must outlive the request.
struct MultipartPart {
  std::string name, filename, content_type;
  std::string_view data;
};

// A request body read as it is sent: read() fills at most len bytes and returns how many (0 at
// the end); size is announced as Content-Length. rewind() starts it again, for a request sent a
// second time (an auth retry); without it such a request is not retried.
struct BodySource {
  std::uint64_t size = 0;
  std::function<Result<std::size_t>(char* buf, std::size_t len)> read;
  std::function<Status()> rewind;
};
// A rewindable source over bytes in memory (not copied: they must outlive the request).
BodySource bytes_source(std::string_view bytes);

struct Request {
  Method method = Method::get;
  std::string url;
  std::vector<Header> headers;
  // The value of an Authorization header ("Bearer ...", "Basic ..."): a secret, sent on this
  // request only, never logged, never recorded.
  std::string_view authorization;
  // At most one body: bytes (not copied: must outlive the request), a source, or a form.
  std::string_view body;
  std::optional<BodySource> source;
  std::vector<MultipartPart> multipart;
};

struct ResponseHead {
  long status = 0;
  std::vector<Header> headers;   // of the final response, at most 64 KiB in all
  std::string www_authenticate;  // the first WWW-Authenticate header (at most 4 KiB)
  // The first header of that name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

// A response with its body collected (metadata, error bodies, tokens).
struct HttpResponse : ResponseHead {
  std::string body;
};

// Receives the response body in pieces, with the head already known; an error aborts the transfer
// and is what send() returns.
using BodySink = std::function<Status(const ResponseHead& head, std::string_view chunk)>;

// A sink appending to out, at most max_body bytes (Errc::too_large naming url beyond), reserving
// the announced length once.
BodySink collect_into(std::string& out, std::size_t max_body, std::string url);

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends the request and streams the body to sink. A body over max_body bytes, announced or
  // streamed, fails with Errc::too_large; a transport failure with Errc::network. Any HTTP status
  // is a response, not an error.
  virtual Result<ResponseHead> send(const Request& request, const BodySink& sink, std::size_t max_body) = 0;
  // How many connections the transport opened so far (libcurl CURLINFO_NUM_CONNECTS summed):
  // 1 when every request reused the first one. 0 when it cannot tell.
  virtual std::uint64_t connections_opened() const { return 0; }
  // send() collecting the body into a string (at most max_body bytes).
  Result<HttpResponse> fetch(const Request& request, std::size_t max_body);
};

}  // namespace signy::net
