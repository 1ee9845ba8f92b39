// net::HttpClient (libcurl) as a Transport against a small loopback server in this process:
// streamed uploads and downloads, HEAD, response headers and their cap, one connection reused.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "signy/net/http.hpp"

using namespace signy;
using signy::net::Method;

namespace {
// Answers each request with the next scripted raw response; records what it received.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::deque<std::string> responses) : responses_(std::move(responses)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 4) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~LoopbackServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  std::vector<std::string> requests() {
    std::lock_guard l(m_);
    return requests_;
  }
  int connections() const { return connections_; }

 private:
  void run() {
    for (;;) {
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      ++connections_;
      std::string buf;
      char tmp[65536];
      for (bool open = true; open;) {
        auto end = buf.find("\r\n\r\n");
        while (end == std::string::npos) {
          auto n = ::recv(c, tmp, sizeof tmp, 0);
          if (n <= 0) { open = false; break; }
          buf.append(tmp, static_cast<std::size_t>(n));
          end = buf.find("\r\n\r\n");
        }
        if (!open) break;
        std::size_t body = 0;
        auto cl = buf.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) body = std::stoul(buf.substr(cl + 16));
        while (buf.size() < end + 4 + body) {
          auto n = ::recv(c, tmp, sizeof tmp, 0);
          if (n <= 0) { open = false; break; }
          buf.append(tmp, static_cast<std::size_t>(n));
        }
        std::string response;
        {
          std::lock_guard l(m_);
          requests_.push_back(buf.substr(0, end + 4 + body));
          if (responses_.empty()) break;
          response = responses_.front();
          responses_.pop_front();
        }
        buf.erase(0, end + 4 + body);
        for (std::size_t sent = 0; sent < response.size();) {
          auto n = ::send(c, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
          if (n <= 0) break;
          sent += static_cast<std::size_t>(n);
        }
      }
      ::close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex m_;
  std::deque<std::string> responses_;
  std::vector<std::string> requests_;
  std::atomic<int> connections_{0};
};

net::HttpClient client() { return net::HttpClient::create({}).value(); }
}  // namespace

TEST_CASE("http transport: a streamed PUT, response headers, then a streamed GET on the same connection") {
  std::string blob(200'000, 'b');
  for (std::size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<char>('a' + i % 26);
  LoopbackServer server({"HTTP/1.1 201 Created\r\nDocker-Content-Digest: sha256:abc\r\nContent-Length: 0\r\n\r\n",
                         "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(blob.size()) + "\r\n\r\n" + blob});
  auto c = client();
  std::size_t pos = 0;
  net::Request put;
  put.method = Method::put;
  put.url = server.url("/v2/r/blobs/uploads/1?digest=sha256:abc");
  put.headers.push_back({"Content-Type", "application/octet-stream"});
  put.source = net::BodySource{blob.size(), [&](char* buf, std::size_t len) -> Result<std::size_t> {
                                 std::size_t n = std::min(len, blob.size() - pos);
                                 std::memcpy(buf, blob.data() + pos, n);
                                 pos += n;
                                 return n;
                               },
                               {}};
  auto r = c.send(put, [](const net::ResponseHead&, std::string_view) -> Status { return {}; }, 1024);
  REQUIRE(r);
  CHECK(r->status == 201);
  REQUIRE(r->header("Docker-Content-Digest"));
  CHECK(*r->header("docker-content-digest") == "sha256:abc");
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].rfind("PUT /v2/r/blobs/uploads/1?digest=sha256:abc HTTP/1.1\r\n", 0) == 0);
  CHECK(reqs[0].find("Content-Type: application/octet-stream\r\n") != std::string::npos);
  CHECK(reqs[0].find("Expect:") == std::string::npos);
  CHECK(reqs[0].substr(reqs[0].find("\r\n\r\n") + 4) == blob);

  std::string got;
  int pieces = 0;
  net::Request get;
  get.url = server.url("/v2/r/blobs/sha256:abc");
  auto g = c.send(get, [&](const net::ResponseHead& h, std::string_view chunk) -> Status {
    CHECK(h.status == 200);
    got.append(chunk);
    ++pieces;
    return {};
  }, blob.size());
  REQUIRE(g);
  CHECK(got == blob);
  CHECK(pieces > 1);  // streamed, not collected first
  CHECK(server.connections() == 1);
}

TEST_CASE("http transport: a sink's error ends the transfer, a body over the cap is too_large, HEAD ignores the cap") {
  LoopbackServer server({"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789",
                         "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789",
                         "HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n"});
  auto c = client();
  net::Request get;
  get.url = server.url("/a");
  auto stopped = c.send(get, [](const net::ResponseHead&, std::string_view) -> Status { return fail(Errc::hash_mismatch, "digest differs"); }, 100);
  REQUIRE(!stopped);
  CHECK(stopped.error().code == Errc::hash_mismatch);
  c = client();  // the aborted connection is not reused
  auto big = c.fetch(get, 9);
  REQUIRE(!big);
  CHECK(big.error().code == Errc::too_large);
  CHECK(big.error().message == get.url + ": response exceeds the 9-byte limit (endless data?)");
  c = client();
  net::Request head;
  head.method = Method::head;
  head.url = server.url("/big");
  auto h = c.fetch(head, 100);
  REQUIRE(h);
  CHECK(h->status == 200);
  CHECK(*h->header("content-length") == "10000000");
  CHECK(h->body.empty());
  CHECK(server.requests().back().rfind("HEAD /big HTTP/1.1\r\n", 0) == 0);
}

TEST_CASE("http transport: response headers over 64 KiB are refused") {
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "X-Filler-" + std::to_string(i) + ": " + std::string(40, 'x') + "\r\n";
  LoopbackServer server({"HTTP/1.1 200 OK\r\n" + many + "Content-Length: 0\r\n\r\n"});
  auto c = client();
  net::Request get;
  get.url = server.url("/h");
  auto r = c.fetch(get, 100);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::too_large);
  CHECK(r.error().message.find("response headers exceed") != std::string::npos);
}
