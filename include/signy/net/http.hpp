// The only code that touches libcurl. One easy handle per client, reused for every request of a
// command (one connection). Every response body has a hard size cap; connect and total timeouts
// and a minimum transfer speed bound slow servers; only http and https; no redirects.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "signy/util/result.hpp"

namespace signy::net {

struct HttpOptions {
  std::string ca_file;          // --tlscacert: trust only this CA bundle (must exist)
  long timeout_ms = 30'000;     // -t/--timeout: whole request
  long connect_timeout_seconds = 10;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::string www_authenticate;  // the WWW-Authenticate header of a 401 (at most 4 KiB)
};

// One part of a multipart/form-data body. data is not copied: it must outlive the request.
struct MultipartPart {
  std::string name, filename, content_type;
  std::string_view data;
};

// Plain http:// is allowed only to this machine: a literal address in 127.0.0.0/8 (dotted decimal,
// no leading zeros) or [::1], or `localhost` when it resolves to loopback addresses only; an
// optional port and path; no userinfo ("http://127.0.0.1@evil/" and "http://127.0.0.1.example.com"
// are not loopback).
bool is_loopback_http(std::string_view url);

class HttpClient {
 public:
  // Errc::not_found / io_error naming ca_file when it is set and cannot be read (local I/O, not
  // a network error).
  static Result<HttpClient> create(HttpOptions options);
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  ~HttpClient();

  // Refuses (Errc::too_large) a body over max_body bytes, whether announced or streamed.
  // authorization: the value of an Authorization header ("Bearer ...", "Basic ..."), a secret:
  // it is sent on this request only and never logged.
  Result<HttpResponse> get(const std::string& url, std::size_t max_body, std::string_view authorization = {});
  Result<HttpResponse> post_multipart(const std::string& url, const std::vector<MultipartPart>& parts, std::size_t max_body,
                                      std::string_view authorization = {});
  Result<HttpResponse> del(const std::string& url, std::size_t max_body, std::string_view authorization = {});
  // A POST without a body (notary-server's key rotation: POST .../<role>.key).
  Result<HttpResponse> post_empty(const std::string& url, std::size_t max_body, std::string_view authorization = {});
  const HttpOptions& options() const;

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  Result<HttpResponse> perform(const std::string& url, std::size_t max_body, std::string_view authorization);
  std::unique_ptr<Impl> impl_;
};

}  // namespace signy::net
