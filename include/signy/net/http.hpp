// The only code that touches libcurl. One easy handle per client, reused for every request of a
// command (one connection). Every response body has a hard size cap; connect and total timeouts
// and a minimum transfer speed bound slow servers; only http and https; no redirects.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "signy/net/transport.hpp"
#include "signy/util/result.hpp"

namespace signy::net {

struct HttpOptions {
  std::string ca_file;          // --tlscacert: trust only this CA bundle (must exist)
  long timeout_ms = 30'000;     // -t/--timeout: whole request
  long connect_timeout_seconds = 10;
};

// Plain http:// is allowed only to this machine: a literal address in 127.0.0.0/8 (dotted decimal,
// no leading zeros) or [::1], or `localhost` when it resolves to loopback addresses only; an
// optional port and path; no userinfo ("http://127.0.0.1@evil/" and "http://127.0.0.1.example.com"
// are not loopback).
bool is_loopback_http(std::string_view url);

// The libcurl Transport.
class HttpClient final : public Transport {
 public:
  // Errc::not_found / io_error naming ca_file when it is set and cannot be read (local I/O, not
  // a network error).
  static Result<HttpClient> create(HttpOptions options);
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  ~HttpClient() override;

  Result<ResponseHead> send(const Request& request, const BodySink& sink, std::size_t max_body) override;
  std::uint64_t connections_opened() const override;
  const HttpOptions& options() const;

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace signy::net
