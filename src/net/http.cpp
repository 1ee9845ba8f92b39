#include "signy/net/http.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cstring>
#include <mutex>
#include <optional>
#include <vector>

#include "signy/util/file.hpp"
#include "signy/util/log.hpp"
#include "signy/util/secret.hpp"
#include "signy/version.hpp"
#include "net/libcurl.hpp"

namespace signy::net {
namespace {

constexpr std::size_t kMaxHeaders = 64u << 10;

// The head of the final response: its headers (names lower case), capped; a new status line
// (after 100 Continue) starts over.
struct HeadState {
  ResponseHead head;
  std::size_t total = 0;
  bool overflow = false;
};

size_t header_cb(char* data, size_t size, size_t n, void* user) {
  auto* st = static_cast<HeadState*>(user);
  std::size_t len = size * n;
  std::string_view line(data, len);
  if (line.rfind("HTTP/", 0) == 0) {
    st->head.headers.clear();
    st->head.www_authenticate.clear();
    st->total = 0;
    return len;
  }
  st->total += len;
  if (st->total > kMaxHeaders) {
    st->overflow = true;
    return 0;  // aborts the transfer
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return len;  // the blank line, folded lines
  std::string name(line.substr(0, colon));
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
  if (name == "www-authenticate" && st->head.www_authenticate.empty()) st->head.www_authenticate.assign(value.substr(0, 4096));
  st->head.headers.push_back(Header{std::move(name), std::string(value)});
  return len;
}

struct Sink {
  CURL* curl;
  HeadState* head;
  const BodySink* sink;
  std::size_t max;
  std::size_t received = 0;
  bool overflow = false;
  bool started = false;
  std::optional<Error> error;
};

size_t write_cb(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  std::size_t len = size * n;
  if (!s->started) {
    s->started = true;
    lib::curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &s->head->head.status);
  }
  if (s->received + len > s->max) {
    s->overflow = true;
    return 0;  // aborts the transfer (endless data)
  }
  s->received += len;
  if (auto st = (*s->sink)(s->head->head, std::string_view(data, len)); !st) {
    s->error = st.error();
    return 0;
  }
  return len;
}

// A request body read from a BodySource (bytes go through one too).
struct Upload {
  const BodySource* source;
  std::optional<Error> error;
};

size_t read_cb(char* buf, size_t size, size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  if (!up->source) return 0;
  auto r = up->source->read(buf, size * n);
  if (!r) {
    up->error = r.error();
    return CURL_READFUNC_ABORT;
  }
  return std::min(*r, size * n);
}

int seek_cb(void* user, curl_off_t offset, int origin) {
  auto* up = static_cast<Upload*>(user);
  // Only back to the start (curl rewinds to send again); a source without rewind cannot.
  if (origin != SEEK_SET || offset != 0 || !up->source || !up->source->rewind) return CURL_SEEKFUNC_CANTSEEK;
  if (auto st = up->source->rewind(); !st) {
    up->error = st.error();
    return CURL_SEEKFUNC_FAIL;
  }
  return CURL_SEEKFUNC_OK;
}
}  // namespace

struct HttpClient::Impl {
  CURL* curl = nullptr;
  HttpOptions options;
  std::uint64_t connections = 0;
  ~Impl() {
    if (curl) lib::curl_easy_cleanup(curl);
  }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() = default;

Result<HttpClient> HttpClient::create(HttpOptions options) {
  SIGNY_TRY_VOID(lib::load_curl());
  auto impl = std::make_unique<Impl>();
  impl->curl = lib::curl_easy_init();
  if (!impl->curl) return fail(Errc::internal, "cannot initialise libcurl");
  // libcurl opens the CA file itself: at least refuse a FIFO or a device it would block on.
  if (!options.ca_file.empty())
    if (auto st = check_regular_file(options.ca_file); !st) return tl::unexpected(st.error().context("--tlscacert"));
  impl->options = std::move(options);
  return HttpClient(std::move(impl));
}

namespace {
// A dotted-quad of four decimal octets without leading zeros (the only form every parser reads
// alike: inet_aton and curl also take 0x7f000001, 127.1 and octal 0177.0.0.1).
bool strict_ipv4(std::string_view host, unsigned char& first) {
  int parts = 0;
  for (std::size_t i = 0; i <= host.size(); ++parts) {
    auto dot = host.find('.', i);
    auto part = host.substr(i, dot == std::string_view::npos ? std::string_view::npos : dot - i);
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0') ||
        part.find_first_not_of("0123456789") != std::string_view::npos)
      return false;
    int v = std::stoi(std::string(part));
    if (v > 255) return false;
    if (parts == 0) first = static_cast<unsigned char>(v);
    if (dot == std::string_view::npos) break;
    i = dot + 1;
  }
  return parts == 3;
}

// localhost counts only when every address it resolves to is loopback (/etc/hosts could say otherwise).
bool localhost_is_loopback() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo("localhost", nullptr, &hints, &res) != 0 || !res) return false;
  bool all = true;
  for (auto* a = res; a; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      auto addr = ntohl(reinterpret_cast<const sockaddr_in*>(a->ai_addr)->sin_addr.s_addr);
      all = all && (addr >> 24) == 127;
    } else if (a->ai_family == AF_INET6) {
      all = all && IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6*>(a->ai_addr)->sin6_addr);
    } else {
      all = false;
    }
  }
  ::freeaddrinfo(res);
  return all;
}
}  // namespace

namespace {
// 250 ms, 1500 ms, 2 s, 10 s: rounded to whole seconds from 2 s.
std::string format_wait(long long ms) {
  if (ms < 2000) return std::to_string(ms) + " ms";
  return std::to_string((ms + 500) / 1000) + " s";
}
}  // namespace

bool is_loopback_http(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(url[i])) != kScheme[i]) return false;
  // The authority ends at the first '/', '?' or '#' (RFC 3986 3.2); curl also ends it at '\\'.
  auto rest = url.substr(kScheme.size());
  auto authority = rest.substr(0, rest.find_first_of("/?#\\"));
  // Only host[:port]: no userinfo ("http://127.0.0.1@evil/" goes to evil), no odd bytes.
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(0, close + 1);
    if (auto after = authority.substr(close + 1); !after.empty()) {
      if (after.front() != ':' || after.size() == 1) return false;
      port = after.substr(1);
    }
  } else if (auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return false;
  }
  if (!port.empty() && (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
                        std::stol(std::string(port)) > 65535))
    return false;
  if (host == "[::1]") return true;
  unsigned char first = 0;
  if (strict_ipv4(host, first)) return first == 127;
  std::string lower(host);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "localhost" && localhost_is_loopback();
}

const HttpOptions& HttpClient::options() const { return impl_->options; }
std::uint64_t HttpClient::connections_opened() const { return impl_->connections; }

Result<ResponseHead> HttpClient::send(const Request& request, const BodySink& body_sink, std::size_t max_body) {
  CURL* c = impl_->curl;
  const auto& o = impl_->options;
  const std::string& url = request.url;
  // Every option afresh for each request (the connection stays open: curl_easy_reset keeps it).
  lib::curl_easy_reset(c);
  HeadState head;
  lib::curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
  lib::curl_easy_setopt(c, CURLOPT_HEADERDATA, &head);
  // The Authorization header for this request only; the line (holding the secret) is wiped after.
  struct Headers {
    curl_slist* list = nullptr;
    std::string line;
    ~Headers() {
      if (list) lib::curl_slist_free_all(list);
      secure_wipe(line.data(), line.size());
    }
  } headers;
  auto add = [&](const std::string& line) {
    if (auto* l = lib::curl_slist_append(headers.list, line.c_str())) headers.list = l;
  };
  for (const auto& h : request.headers) {
    if (h.name.find_first_of(":\r\n") != std::string::npos || h.value.find_first_of("\r\n") != std::string::npos)
      return fail(Errc::internal, "header \"" + h.name.substr(0, 64) + "\" holds a line break or a colon");
    add(h.name + ": " + h.value);
  }
  if (!request.authorization.empty()) {
    headers.line = "Authorization: ";
    headers.line += request.authorization;
    add(headers.line);
  }
  // The body: bytes and sources are read as sent (never copied); a form is built from its parts.
  BodySource bytes_source;
  std::size_t bytes_pos = 0;
  const BodySource* source = request.source ? &*request.source : nullptr;
  if (!source && !request.body.empty() && request.method != Method::post) {
    bytes_source.size = request.body.size();
    bytes_source.read = [&](char* buf, std::size_t len) -> Result<std::size_t> {
      std::size_t n = std::min(len, request.body.size() - bytes_pos);
      std::memcpy(buf, request.body.data() + bytes_pos, n);
      bytes_pos += n;
      return n;
    };
    bytes_source.rewind = [&]() -> Status {
      bytes_pos = 0;
      return {};
    };
    source = &bytes_source;
  }
  Upload upload{source, std::nullopt};
  struct Mime {
    curl_mime* mime = nullptr;
    ~Mime() {
      if (mime) lib::curl_mime_free(mime);
    }
  } form;
  // Each part is read from the caller's buffer as it is sent (curl_mime_data would copy it).
  struct PartSource {
    std::string_view data;
    std::size_t pos = 0;
  };
  std::vector<PartSource> parts;
  switch (request.method) {
    case Method::get: lib::curl_easy_setopt(c, CURLOPT_HTTPGET, 1L); break;
    case Method::head: lib::curl_easy_setopt(c, CURLOPT_NOBODY, 1L); break;
    case Method::del: lib::curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE"); break;
    case Method::post:
      if (!request.multipart.empty()) {
        form.mime = lib::curl_mime_init(c);
        parts.reserve(request.multipart.size());
        auto read = [](char* buf, size_t size, size_t n, void* arg) -> size_t {
          auto* src = static_cast<PartSource*>(arg);
          std::size_t len = std::min(size * n, src->data.size() - src->pos);
          std::memcpy(buf, src->data.data() + src->pos, len);
          src->pos += len;
          return len;
        };
        auto seek = [](void* arg, curl_off_t offset, int origin) -> int {
          auto* src = static_cast<PartSource*>(arg);
          if (origin != SEEK_SET || offset < 0 || static_cast<std::uint64_t>(offset) > src->data.size()) return CURL_SEEKFUNC_FAIL;
          src->pos = static_cast<std::size_t>(offset);
          return CURL_SEEKFUNC_OK;
        };
        for (const auto& p : request.multipart) {
          curl_mimepart* part = lib::curl_mime_addpart(form.mime);
          lib::curl_mime_name(part, p.name.c_str());
          lib::curl_mime_filename(part, p.filename.c_str());
          lib::curl_mime_type(part, p.content_type.c_str());
          parts.push_back(PartSource{p.data});
          lib::curl_mime_data_cb(part, static_cast<curl_off_t>(p.data.size()), read, seek, nullptr, &parts.back());
        }
        lib::curl_easy_setopt(c, CURLOPT_MIMEPOST, form.mime);
      } else if (source) {
        lib::curl_easy_setopt(c, CURLOPT_POST, 1L);
        lib::curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(source->size));
      } else {
        // Bytes, or none (notary-server's key rotation: POST .../<role>.key): not copied.
        lib::curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        lib::curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
      }
      break;
    case Method::put:
    case Method::patch:
      lib::curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
      lib::curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(source ? source->size : 0));
      if (request.method == Method::patch) lib::curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PATCH");
      break;
  }
  if (source && request.multipart.empty()) {
    lib::curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    lib::curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    lib::curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, seek_cb);
    lib::curl_easy_setopt(c, CURLOPT_SEEKDATA, &upload);
    add("Expect:");  // no 100-continue round trip
  } else if (request.method == Method::put || request.method == Method::patch) {
    lib::curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);  // an empty body
    lib::curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  }
  lib::curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.list);
  Sink sink{c, &head, &body_sink, max_body, 0, false, false, std::nullopt};
  lib::curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  lib::curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  lib::curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  lib::curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  lib::curl_easy_setopt(c, CURLOPT_USERAGENT, "signy/" SIGNY_VERSION);
  lib::curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o.connect_timeout_seconds);
  lib::curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o.timeout_ms);
  // Slow retrieval: give up when fewer than 64 bytes/s arrive for 10 s (or the whole timeout).
  lib::curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 64L);
  lib::curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, std::clamp((o.timeout_ms + 999) / 1000, 1L, 10L));
  lib::curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  lib::curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!o.ca_file.empty()) lib::curl_easy_setopt(c, CURLOPT_CAINFO, o.ca_file.c_str());
  // A HEAD's Content-Length is the size of what a GET would send, not of this response.
  if (request.method != Method::head) lib::curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_body));
  lib::curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
  lib::curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  auto started = std::chrono::steady_clock::now();
  CURLcode rc = lib::curl_easy_perform(c);
  auto waited = std::chrono::steady_clock::now() - started;
  long opened = 0;
  if (lib::curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &opened) == CURLE_OK && opened > 0) impl_->connections += static_cast<std::uint64_t>(opened);
  lib::curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  lib::curl_easy_setopt(c, CURLOPT_MIMEPOST, nullptr);
  if (sink.error) return tl::unexpected(*sink.error);
  if (upload.error) return tl::unexpected(upload.error->context(url));
  if (sink.overflow || rc == CURLE_FILESIZE_EXCEEDED)
    return fail(Errc::too_large, url + ": response exceeds the " + std::to_string(max_body) + "-byte limit (endless data?)");
  if (head.overflow) return fail(Errc::too_large, url + ": response headers exceed " + std::to_string(kMaxHeaders) + " bytes");
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    // Three limits end here (connect, the whole request, the low-speed window), so say the time
    // really waited, measured, and which limit it was.
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(waited).count();
    curl_off_t connect_us = 0;
    lib::curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connect_us);
    std::string why = connect_us == 0              ? "could not connect"
                      : ms + 500 < o.timeout_ms    ? "fewer than 64 bytes/s: slow retrieval?"
                                                   : "the -t/--timeout limit: slow retrieval?";
    // The -t limit is stated as given: libcurl times it with its own clock and rounding, which can
    // end it a millisecond before ours says (CI once printed "timed out after 1999 ms" for -t 2).
    if (connect_us != 0 && ms + 500 >= o.timeout_ms) ms = o.timeout_ms;
    return fail(Errc::network, url + ": timed out after " + format_wait(ms) + " (" + why + ")");
  }
  if (rc != CURLE_OK) return fail(Errc::network, url + ": " + lib::curl_easy_strerror(rc));
  lib::curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &head.head.status);
  if (log::level() >= log::Level::debug) {
    // Where the time went: connection set-up (0 when reused), the request sent, the server's
    // answer (first byte: includes its processing) and the whole.
    curl_off_t connect = 0, pre = 0, first = 0, total = 0, up = 0;
    lib::curl_easy_getinfo(c, CURLINFO_APPCONNECT_TIME_T, &connect);
    lib::curl_easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &pre);
    lib::curl_easy_getinfo(c, CURLINFO_STARTTRANSFER_TIME_T, &first);
    lib::curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &total);
    lib::curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &up);
    auto ms = [](curl_off_t us) { return std::to_string(us / 1000) + "." + std::to_string(us / 100 % 10) + " ms"; };
    log::debug(url + ": HTTP " + std::to_string(head.head.status) + ", " + std::to_string(up) + " bytes sent, " +
               std::to_string(sink.received) + " received; TLS set-up " + ms(connect) + ", first byte after " +
               ms(first - pre) + ", total " + ms(total));
  }
  return std::move(head.head);
}

}  // namespace signy::net
