// An in-process net::Transport for unit tests: scripted responses per method and URL (served in
// order, the last one repeated), every request recorded (its Authorization header too, so tests
// can check what was sent; the fake is never used with real secrets).
#pragma once
#include <deque>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "signy/net/transport.hpp"

namespace signy::testing {

struct Recorded {
  net::Method method;
  std::string url, authorization, body;
  std::vector<net::Header> headers;
  std::vector<std::pair<std::string, std::string>> parts;  // multipart: filename -> bytes
};

struct Scripted {
  long status = 200;
  std::string body;
  std::vector<net::Header> headers;
};

class FakeTransport : public net::Transport {
 public:
  // Adds a response for `method url`: they are served in the order added, the last one again
  // and again.
  FakeTransport& on(net::Method method, const std::string& url, Scripted response) {
    script_[{method, url}].push_back(std::move(response));
    return *this;
  }
  // A transport failure instead of a response.
  FakeTransport& fail_on(net::Method method, const std::string& url, Error error) {
    failures_.emplace(std::make_pair(method, url), std::move(error));
    return *this;
  }
  const std::vector<Recorded>& requests() const { return requests_; }
  // One kept-alive connection per origin (scheme://host[:port]) it was sent to, as libcurl keeps them.
  std::uint64_t connections_opened() const override {
    std::set<std::string> origins;
    for (const auto& r : requests_) {
      auto p = r.url.find("://");
      auto end = p == std::string::npos ? std::string::npos : r.url.find_first_of("/?#", p + 3);
      origins.insert(r.url.substr(0, end));
    }
    return origins.size();
  }
  std::size_t count(net::Method method, const std::string& url) const {
    std::size_t n = 0;
    for (const auto& r : requests_) n += r.method == method && r.url == url;
    return n;
  }

  Result<net::ResponseHead> send(const net::Request& request, const net::BodySink& sink, std::size_t max_body) override {
    Recorded rec{request.method, request.url, std::string(request.authorization), std::string(request.body), request.headers, {}};
    for (const auto& p : request.multipart) rec.parts.emplace_back(p.filename, std::string(p.data));
    if (request.source) {  // read the whole source, as a server would
      char buf[4096];
      for (;;) {
        auto n = request.source->read(buf, sizeof buf);
        if (!n) return tl::unexpected(n.error());
        if (*n == 0) break;
        rec.body.append(buf, *n);
      }
    }
    requests_.push_back(std::move(rec));
    if (auto f = failures_.find({request.method, request.url}); f != failures_.end()) return tl::unexpected(f->second);
    auto it = script_.find({request.method, request.url});
    if (it == script_.end()) {
      net::ResponseHead head;
      head.status = 404;
      return head;
    }
    auto& queue = it->second;
    Scripted resp = queue.front();
    if (queue.size() > 1) queue.pop_front();
    net::ResponseHead head;
    head.status = resp.status;
    head.headers = resp.headers;
    for (const auto& h : resp.headers)
      if (h.name == "www-authenticate" && head.www_authenticate.empty()) head.www_authenticate = h.value;
    if (request.method == net::Method::head) return head;
    if (resp.body.size() > max_body)
      return fail(Errc::too_large, request.url + ": response exceeds the " + std::to_string(max_body) + "-byte limit (endless data?)");
    // In two pieces, so sinks see a body arrive in parts.
    std::string_view body = resp.body;
    auto half = body.size() / 2;
    for (auto piece : {body.substr(0, half), body.substr(half)})
      if (!piece.empty())
        if (auto st = sink(head, piece); !st) return tl::unexpected(st.error());
    return head;
  }

 private:
  std::map<std::pair<net::Method, std::string>, std::deque<Scripted>> script_;
  std::map<std::pair<net::Method, std::string>, Error> failures_;
  std::vector<Recorded> requests_;
};

}  // namespace signy::testing
