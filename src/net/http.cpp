#include "signy/net/http.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cstring>
#include <mutex>
#include <vector>

#include "signy/util/file.hpp"
#include "signy/util/log.hpp"
#include "signy/util/secret.hpp"
#include "signy/version.hpp"

namespace signy::net {
namespace {
std::once_flag g_curl_init;

// Keeps the WWW-Authenticate header (token auth challenges), capped.
size_t header_cb(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  std::size_t len = size * n;
  std::string_view line(data, len);
  constexpr std::string_view kName = "www-authenticate:";
  if (line.size() > kName.size()) {
    std::string head(line.substr(0, kName.size()));
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head == kName && out->empty()) {
      auto value = line.substr(kName.size());
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
      out->assign(value.substr(0, 4096));
    }
  }
  return len;
}

struct Sink {
  CURL* curl;
  std::string* body;
  std::size_t max;
  bool overflow = false;
  bool sized = false;
};

size_t write_cb(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t len = size * n;
  if (sink->body->size() + len > sink->max) {
    sink->overflow = true;
    return 0;  // aborts the transfer (endless data)
  }
  if (!sink->sized) {
    // One allocation instead of doubling, so a 2 MB metadata file costs 2 MB, not up to 4: of
    // the announced size, else (chunked, as notary-server sends) of the cap, which callers set
    // to the exact length the trusted metadata lists. Pages never written are never resident.
    // The cap above still bounds what is stored.
    sink->sized = true;
    curl_off_t announced = -1;
    std::size_t want = std::min<std::size_t>(sink->max, 16u << 20);
    if (curl_easy_getinfo(sink->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced) == CURLE_OK && announced > 0 &&
        static_cast<std::uint64_t>(announced) <= sink->max)
      want = static_cast<std::size_t>(announced);
    if (want > len) sink->body->reserve(want);
  }
  sink->body->append(data, len);
  return len;
}
}  // namespace

struct HttpClient::Impl {
  CURL* curl = nullptr;
  HttpOptions options;
  ~Impl() {
    if (curl) curl_easy_cleanup(curl);
  }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() = default;

Result<HttpClient> HttpClient::create(HttpOptions options) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  auto impl = std::make_unique<Impl>();
  impl->curl = curl_easy_init();
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

Result<HttpResponse> HttpClient::perform(const std::string& url, std::size_t max_body, std::string_view authorization) {
  CURL* c = impl_->curl;
  const auto& o = impl_->options;
  HttpResponse resp;
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &resp.www_authenticate);
  // The Authorization header for this request only; the list (holding the secret) is wiped after.
  struct Headers {
    curl_slist* list = nullptr;
    std::string line;
    ~Headers() {
      if (list) curl_slist_free_all(list);
      secure_wipe(line.data(), line.size());
    }
  } headers;
  if (!authorization.empty()) {
    headers.line = "Authorization: ";
    headers.line += authorization;
    headers.list = curl_slist_append(nullptr, headers.line.c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.list);
  Sink sink{c, &resp.body, max_body};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "signy/" SIGNY_VERSION);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o.connect_timeout_seconds);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o.timeout_ms);
  // Slow retrieval: give up when fewer than 64 bytes/s arrive for 10 s (or the whole timeout).
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 64L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, std::clamp((o.timeout_ms + 999) / 1000, 1L, 10L));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!o.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, o.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_body));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  auto started = std::chrono::steady_clock::now();
  CURLcode rc = curl_easy_perform(c);
  auto waited = std::chrono::steady_clock::now() - started;
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  if (sink.overflow || rc == CURLE_FILESIZE_EXCEEDED)
    return fail(Errc::too_large, url + ": response exceeds the " + std::to_string(max_body) + "-byte limit (endless data?)");
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    // Three limits end here (connect, the whole request, the low-speed window), so say the time
    // really waited, measured, and which limit it was.
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(waited).count();
    curl_off_t connect_us = 0;
    curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connect_us);
    std::string why = connect_us == 0              ? "could not connect"
                      : ms + 500 < o.timeout_ms    ? "fewer than 64 bytes/s: slow retrieval?"
                                                   : "the -t/--timeout limit: slow retrieval?";
    return fail(Errc::network, url + ": timed out after " + format_wait(ms) + " (" + why + ")");
  }
  if (rc != CURLE_OK) return fail(Errc::network, url + ": " + curl_easy_strerror(rc));
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  if (log::level() >= log::Level::debug) {
    // Where the time went: connection set-up (0 when reused), the request sent, the server's
    // answer (first byte: includes its processing) and the whole.
    curl_off_t connect = 0, pre = 0, first = 0, total = 0, up = 0;
    curl_easy_getinfo(c, CURLINFO_APPCONNECT_TIME_T, &connect);
    curl_easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &pre);
    curl_easy_getinfo(c, CURLINFO_STARTTRANSFER_TIME_T, &first);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &total);
    curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &up);
    auto ms = [](curl_off_t us) { return std::to_string(us / 1000) + "." + std::to_string(us / 100 % 10) + " ms"; };
    log::debug(url + ": HTTP " + std::to_string(resp.status) + ", " + std::to_string(up) + " bytes sent, " +
               std::to_string(resp.body.size()) + " received; TLS set-up " + ms(connect) + ", first byte after " +
               ms(first - pre) + ", total " + ms(total));
  }
  return resp;
}

Result<HttpResponse> HttpClient::get(const std::string& url, std::size_t max_body, std::string_view authorization) {
  curl_easy_setopt(impl_->curl, CURLOPT_HTTPGET, 1L);
  return perform(url, max_body, authorization);
}

Result<HttpResponse> HttpClient::del(const std::string& url, std::size_t max_body, std::string_view authorization) {
  curl_easy_setopt(impl_->curl, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(impl_->curl, CURLOPT_CUSTOMREQUEST, "DELETE");
  auto r = perform(url, max_body, authorization);
  curl_easy_setopt(impl_->curl, CURLOPT_CUSTOMREQUEST, nullptr);
  return r;
}

Result<HttpResponse> HttpClient::post_empty(const std::string& url, std::size_t max_body, std::string_view authorization) {
  curl_easy_setopt(impl_->curl, CURLOPT_POSTFIELDS, "");
  curl_easy_setopt(impl_->curl, CURLOPT_POSTFIELDSIZE, 0L);
  auto r = perform(url, max_body, authorization);
  curl_easy_setopt(impl_->curl, CURLOPT_HTTPGET, 1L);
  return r;
}

Result<HttpResponse> HttpClient::post_multipart(const std::string& url, const std::vector<MultipartPart>& parts,
                                                std::size_t max_body, std::string_view authorization) {
  curl_mime* mime = curl_mime_init(impl_->curl);
  // Each part is read from the caller's buffer as it is sent (curl_mime_data would copy it).
  struct Source {
    std::string_view data;
    std::size_t pos = 0;
  };
  std::vector<Source> sources;
  sources.reserve(parts.size());
  auto read = [](char* buf, size_t size, size_t n, void* arg) -> size_t {
    auto* src = static_cast<Source*>(arg);
    std::size_t len = std::min(size * n, src->data.size() - src->pos);
    std::memcpy(buf, src->data.data() + src->pos, len);
    src->pos += len;
    return len;
  };
  auto seek = [](void* arg, curl_off_t offset, int origin) -> int {
    auto* src = static_cast<Source*>(arg);
    if (origin != SEEK_SET || offset < 0 || static_cast<std::uint64_t>(offset) > src->data.size()) return CURL_SEEKFUNC_FAIL;
    src->pos = static_cast<std::size_t>(offset);
    return CURL_SEEKFUNC_OK;
  };
  for (const auto& p : parts) {
    curl_mimepart* part = curl_mime_addpart(mime);
    curl_mime_name(part, p.name.c_str());
    curl_mime_filename(part, p.filename.c_str());
    curl_mime_type(part, p.content_type.c_str());
    sources.push_back(Source{p.data});
    curl_mime_data_cb(part, static_cast<curl_off_t>(p.data.size()), read, seek, nullptr, &sources.back());
  }
  curl_easy_setopt(impl_->curl, CURLOPT_MIMEPOST, mime);
  auto r = perform(url, max_body, authorization);
  curl_easy_setopt(impl_->curl, CURLOPT_MIMEPOST, nullptr);
  curl_mime_free(mime);
  return r;
}

}  // namespace signy::net
