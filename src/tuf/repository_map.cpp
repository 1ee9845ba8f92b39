// TAP 4 map.json (theupdateframework/taps tap4.md "The map file"): parsed with every rule checked,
// since the map decides which repositories a target must be agreed on by.
#include "signy/tuf/repository_map.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "signy/cjson/cjson.hpp"
#include "signy/util/file.hpp"
#include "signy/util/text.hpp"

namespace signy::tuf {
namespace {

constexpr std::size_t kMaxUrls = 16;
constexpr std::size_t kMaxUrlBytes = 2048;
constexpr std::size_t kMaxPaths = 256;
constexpr std::size_t kMaxPatternBytes = 1024;

// A bounded, escaped name for messages (names come from a file the user may not have written).
std::string shown(std::string_view s) { return "\"" + escape_control(std::string(s.substr(0, 80))) + "\""; }

bool valid_name(std::string_view n) {
  if (n.empty() || n.size() > 64 || n == "." || n == "..") return false;  // also a directory name
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// https:// and http:// (the remote refuses plain http off loopback when it is opened), or
// file:// with an absolute path. Nothing else: no credentials in a URL either.
Status check_url(const std::string& url, const std::string& where) {
  auto bad = [&](const std::string& why) { return fail(Errc::unsupported_value, where + ": " + why); };
  if (url.size() > kMaxUrlBytes) return bad("a URL longer than " + std::to_string(kMaxUrlBytes) + " bytes");
  if (has_control(url)) return bad("a URL with a control character");
  if (url.rfind("file://", 0) == 0) {
    if (url.size() < 8 || url[7] != '/') return bad(shown(url) + " is not file:///ABSOLUTE/PATH");
    return {};
  }
  std::string_view rest;
  if (url.rfind("https://", 0) == 0) rest = std::string_view(url).substr(8);
  else if (url.rfind("http://", 0) == 0) rest = std::string_view(url).substr(7);
  else return bad(shown(url) + " is not https://, http:// (loopback) or file://");
  auto host = rest.substr(0, rest.find('/'));
  if (host.empty()) return bad(shown(url) + " names no host");
  if (host.find('@') != std::string_view::npos) return bad(shown(url) + ": credentials in a URL are refused");
  return {};
}

using Json = cjson::Json;

Result<std::vector<std::string>> string_list(const Json& v, const std::string& where, std::size_t max) {
  if (!v.is_array()) return fail(Errc::malformed_json, where + " is not a list");
  if (v.empty()) return fail(Errc::unsupported_value, where + " is empty");
  if (v.size() > max) return fail(Errc::too_large, where + " has more than " + std::to_string(max) + " entries");
  std::vector<std::string> out;
  for (const auto& item : v) {
    if (!item.is_string()) return fail(Errc::malformed_json, where + " holds a non-string");
    out.push_back(item.get<std::string>());
    if (out.back().empty()) return fail(Errc::unsupported_value, where + " holds an empty string");
  }
  return out;
}

Result<MappedRepository> parse_repository(const std::string& name, const Json& urls_json, const std::string& where) {
  if (!valid_name(name))
    return fail(Errc::unsupported_value, where + ": repository name " + shown(name) +
                                             " must be 1 to 64 of [A-Za-z0-9._-], not . or .. (it names a directory)");
  auto here = where + " " + shown(name);
  auto urls = SIGNY_TRY(string_list(urls_json, here, kMaxUrls));
  for (const auto& u : urls) SIGNY_TRY_VOID(check_url(u, here));
  return MappedRepository{name, std::move(urls)};
}

// The URLs used, compared after normalising what spells one repository in several ways: the
// scheme and host without case, a default port (:443 for https, :80 for http), repeated and
// trailing '/', "." and ".." segments, and for file:// the path with its symbolic links resolved.
// Other aliases (an IP address and a name for it) are the map author's to avoid (docs/security/tap4.md).
std::string normalized_url(std::string_view u) {
  auto scheme_end = u.find("://");
  if (scheme_end == std::string_view::npos) return std::string(u);
  std::string scheme(u.substr(0, scheme_end));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto rest = u.substr(scheme_end + 3);
  auto slash = rest.find('/');
  std::string host(rest.substr(0, slash));
  std::string path(slash == std::string_view::npos ? "/" : rest.substr(slash));
  for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "https" && host.ends_with(":443")) host.resize(host.size() - 4);
  if (scheme == "http" && host.ends_with(":80")) host.resize(host.size() - 3);
  std::filesystem::path p = std::filesystem::path(path).lexically_normal();
  if (scheme == "file") {
    std::error_code ec;
    auto resolved = std::filesystem::weakly_canonical(p, ec);
    if (!ec) p = resolved;
  }
  std::string out = p.generic_string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return scheme + "://" + host + out;
}
bool same_url(std::string_view a, std::string_view b) { return normalized_url(a) == normalized_url(b); }

Result<Mapping> parse_mapping(const Json& m, const std::string& where, const std::map<std::string, std::string>& first_url) {
  if (!m.is_object()) return fail(Errc::malformed_json, where + " is not an object");
  Mapping out;
  bool paths = false, repositories = false;
  for (const auto& [key, v] : m.items()) {
    auto here = where + " \"" + key + "\"";
    if (key == "paths") {
      out.paths = SIGNY_TRY(string_list(v, here, kMaxPaths));
      for (const auto& p : out.paths) {
        if (p.size() > kMaxPatternBytes)
          return fail(Errc::too_large, here + ": a pattern longer than " + std::to_string(kMaxPatternBytes) + " bytes");
        if (has_control(p)) return fail(Errc::unsupported_value, here + ": a pattern with a control character");
      }
      paths = true;
    } else if (key == "repositories") {
      out.repositories = SIGNY_TRY(string_list(v, here, kMaxMapRepositories));
      std::set<std::string> seen;
      for (const auto& r : out.repositories) {
        if (!first_url.contains(r)) return fail(Errc::unsupported_value, here + ": unknown repository " + shown(r));
        if (!seen.insert(r).second) return fail(Errc::unsupported_value, here + ": repository " + shown(r) + " is listed twice");
      }
      repositories = true;
    } else if (key == "threshold") {
      // An integer, not 2.0, true or "2": the threshold is a security decision.
      if (!v.is_number_integer()) return fail(Errc::malformed_json, here + " is not an integer");
      if (v.is_number_unsigned() ? v.get<std::uint64_t>() == 0 : v.get<std::int64_t>() < 1)
        return fail(Errc::unsupported_value, here + " must be at least 1");
      out.threshold = v.is_number_unsigned() ? static_cast<std::size_t>(std::min<std::uint64_t>(v.get<std::uint64_t>(), 1u << 20))
                                             : static_cast<std::size_t>(std::min<std::int64_t>(v.get<std::int64_t>(), 1 << 20));
    } else if (key == "terminating") {
      if (!v.is_boolean()) return fail(Errc::malformed_json, here + " is not a boolean");
      out.terminating = v.get<bool>();
    } else {
      return fail(Errc::malformed_json, where + ": unknown key " + shown(key));
    }
  }
  if (!paths) return fail(Errc::malformed_json, where + " has no \"paths\"");
  if (!repositories) return fail(Errc::malformed_json, where + " has no \"repositories\"");
  // Two names for one repository would count its answer twice towards the threshold.
  for (std::size_t i = 0; i < out.repositories.size(); ++i)
    for (std::size_t k = 0; k < i; ++k)
      if (same_url(first_url.at(out.repositories[i]), first_url.at(out.repositories[k])))
        return fail(Errc::unsupported_value, where + " \"repositories\": " + shown(out.repositories[k]) + " and " +
                                                 shown(out.repositories[i]) + " are the same repository " +
                                                 shown(first_url.at(out.repositories[i])));
  if (out.threshold > out.repositories.size())
    return fail(Errc::unsupported_value, where + " \"threshold\": " + std::to_string(out.threshold) + " is more than its " +
                                             std::to_string(out.repositories.size()) + " repositories");
  return out;
}

}  // namespace

Result<RepositoryMap> parse_repository_map(std::string_view json, const std::filesystem::path& source) {
  const std::string name = source.empty() ? "map.json" : source.string();
  if (json.size() > kMaxMapBytes) return fail(Errc::too_large, name + ": larger than " + std::to_string(kMaxMapBytes) + " bytes");
  auto j = cjson::parse_strict(json, {kMaxMapBytes, 16});
  if (!j) return tl::unexpected(j.error().context(name));
  if (!j->is_object()) return fail(Errc::malformed_json, name + ": not a JSON object");
  RepositoryMap map;
  map.source = source;
  const Json* repos = nullptr;
  const Json* mapping = nullptr;
  for (const auto& [key, v] : j->items()) {
    if (key == "repositories") repos = &v;
    else if (key == "mapping") mapping = &v;
    else return fail(Errc::malformed_json, name + ": unknown key " + shown(key));
  }
  if (!repos) return fail(Errc::malformed_json, name + ": no \"repositories\"");
  if (!mapping) return fail(Errc::malformed_json, name + ": no \"mapping\"");
  if (!repos->is_object()) return fail(Errc::malformed_json, name + ": \"repositories\" is not an object");
  if (repos->empty()) return fail(Errc::unsupported_value, name + ": \"repositories\" is empty");
  if (repos->size() > kMaxMapRepositories)
    return fail(Errc::too_large, name + ": more than " + std::to_string(kMaxMapRepositories) + " repositories");
  std::map<std::string, std::string> first_url;  // name -> the URL used
  for (const auto& [rname, urls] : repos->items()) {
    map.repositories.push_back(SIGNY_TRY(parse_repository(rname, urls, name + ": \"repositories\"")));
    first_url[rname] = map.repositories.back().urls.front();
  }
  if (!mapping->is_array()) return fail(Errc::malformed_json, name + ": \"mapping\" is not a list");
  if (mapping->empty()) return fail(Errc::unsupported_value, name + ": \"mapping\" is empty");
  if (mapping->size() > kMaxMappings) return fail(Errc::too_large, name + ": more than " + std::to_string(kMaxMappings) + " mappings");
  for (std::size_t i = 0; i < mapping->size(); ++i)
    map.mapping.push_back(SIGNY_TRY(parse_mapping((*mapping)[i], name + ": mapping[" + std::to_string(i) + "]", first_url)));
  return map;
}

Result<RepositoryMap> load_repository_map(const std::filesystem::path& file) {
  auto text = read_file_limited(file, kMaxMapBytes);
  if (!text) return tl::unexpected(text.error().context("map " + file.string()));
  return parse_repository_map(*text, file);
}

// Glob matching with backtracking to the last '*' only: O(pattern * target) at worst, so a hostile
// pattern of many stars cannot make it exponential.
bool map_path_matches(std::string_view pattern, std::string_view target) noexcept {
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, resume = 0;
  while (t < target.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == target[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace signy::tuf
