#include "signy/oci/reference.hpp"

#include <cctype>
#include <vector>

namespace signy::oci {
namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool valid_tag(std::string_view t) {
  if (t.empty() || t.size() > 128) return false;
  auto word = [](char c) { return is_alnum(c) || c == '_'; };
  if (!word(t.front())) return false;
  for (char c : t)
    if (!word(c) && c != '.' && c != '-') return false;
  return true;
}

bool valid_digest(std::string_view d) {
  auto colon = d.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view alg = d.substr(0, colon), hex = d.substr(colon + 1);
  if (alg == "sha256" && hex.size() != 64) return false;
  if (alg == "sha512" && hex.size() != 128) return false;
  if (alg != "sha256" && alg != "sha512") return false;
  return hex.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

// distribution/reference: path-component := [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
bool valid_path_component(std::string_view c) {
  if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
  for (std::size_t i = 0; i < c.size();) {
    if (is_lower_alnum(c[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < c.size() && !is_lower_alnum(c[j])) ++j;
    std::string_view sep = c.substr(i, j - i);
    if (!(sep == "." || sep == "_" || sep == "__" || sep.find_first_not_of('-') == std::string_view::npos)) return false;
    i = j;
  }
  return true;
}

// distribution/reference: domain := component ('.' component)* (':' port)?, or [IPv6](:port)?.
bool valid_domain(std::string_view d) {
  std::string_view host = d;
  auto close = d.rfind(']');
  auto colon = d.rfind(':');
  if (colon != std::string_view::npos && (close == std::string_view::npos || colon > close)) {
    std::string_view port = d.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return false;
    if (std::stoul(std::string(port)) > 65535) return false;
    host = d.substr(0, colon);
  }
  if (host.empty()) return false;
  if (host.front() == '[')
    return host.size() > 2 && host.back() == ']' &&
           host.substr(1, host.size() - 2).find_first_not_of("0123456789abcdefABCDEF:.") == std::string_view::npos;
  std::size_t start = 0;
  for (;;) {
    auto dot = host.find('.', start);
    std::string_view comp = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (comp.empty() || !is_alnum(comp.front()) || !is_alnum(comp.back())) return false;
    for (char c : comp)
      if (!is_alnum(c) && c != '-') return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string_view Reference::digest_algorithm() const {
  if (!digest) return {};
  return std::string_view(*digest).substr(0, digest->find(':'));
}

std::string_view Reference::digest_hex() const {
  if (!digest) return {};
  return std::string_view(*digest).substr(digest->find(':') + 1);
}

std::string Reference::str() const {
  std::string s = gun() + ":" + tag;
  if (digest) s += "@" + *digest;
  return s;
}

Result<Reference> parse_reference(std::string_view text) {
  auto bad = [&](std::string why) {
    return fail(Errc::usage, "invalid reference \"" + std::string(text.substr(0, 300)) + "\": " + why);
  };
  if (text.empty()) return bad("empty");
  Reference ref;
  std::string_view rest = text;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    std::string_view dg = rest.substr(at + 1);
    if (!valid_digest(dg)) return bad("digest must be sha256:<64 hex> or sha512:<128 hex>");
    ref.digest = std::string(dg);
    rest = rest.substr(0, at);
  }
  // A tag follows the last ':' after the last '/' (a ':' before it belongs to the domain port).
  auto slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    std::string_view tag = rest.substr(colon + 1);
    if (!valid_tag(tag)) return bad("tag must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    ref.tag = std::string(tag);
    rest = rest.substr(0, colon);
  }
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    auto s = rest.find('/', start);
    parts.push_back(rest.substr(start, s == std::string_view::npos ? std::string_view::npos : s - start));
    if (s == std::string_view::npos) break;
    start = s + 1;
  }
  std::string_view first = parts.front();
  if (parts.size() == 1 && is_bare_registry_host(first))
    return bad("\"" + std::string(first) + "\" is a registry host, not a repository: write HOST/REPOSITORY:TAG");
  bool has_domain = parts.size() > 1 && (first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
                                         first.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos);
  if (has_domain) {
    if (!valid_domain(first)) return bad("invalid registry host \"" + std::string(first) + "\"");
    ref.domain = std::string(first);
    parts.erase(parts.begin());
  } else {
    ref.domain = "docker.io";
  }
  if (ref.domain == "index.docker.io") ref.domain = "docker.io";
  for (auto p : parts)
    if (!valid_path_component(p))
      return bad("repository path component \"" + std::string(p.substr(0, 100)) +
                 "\" must be lowercase letters, digits and separators");
  std::string path;
  for (std::size_t i = 0; i < parts.size(); ++i) path += (i ? "/" : "") + std::string(parts[i]);
  if (ref.domain == "docker.io" && parts.size() == 1) path = "library/" + path;
  ref.path = std::move(path);
  if (ref.gun().size() > 255) return bad("name longer than 255 characters");
  if (ref.tag.empty()) ref.tag = "latest";
  return ref;
}

bool is_bare_registry_host(std::string_view name) {
  return !name.empty() && name.find('/') == std::string_view::npos &&
         (name.find_first_of(".:") != std::string_view::npos || name == "localhost");
}

}  // namespace signy::oci
