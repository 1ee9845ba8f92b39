// TAP 4 "Multiple repository consensus on entrusted targets" (cnab-spec 303 MUST; TAP 4 map.json;
// docs/security/tap4.md): which repositories must agree on a target before it is trusted.
//
//   {"repositories": {"primary": ["https://notary-a:4443"], "mirror": ["file:///srv/mirror"]},
//    "mapping": [{"paths": ["localhost:5000/org/*"], "repositories": ["primary", "mirror"],
//                 "threshold": 2, "terminating": true}, ...]}
// A target is matched as "<gun>:<tag>" against each mapping's "paths" (fnmatch-style globs, '*'
// also matching '/'), in order. A matching mapping's repositories are each asked (each has its own
// trust dir: <trust dir>/repositories/<name>/, with its own root pins in its config.json and its
// own cache); the target is trusted when at least `threshold` of them list it with the same length
// and hashes. A terminating mapping that is not satisfied ends the search (deny); a
// non-terminating one lets the next matching mapping try. No matching mapping: denied.
#pragma once
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "signy/util/result.hpp"

namespace signy::tuf {

inline constexpr std::size_t kMaxMapBytes = 1u << 20;
inline constexpr std::size_t kMaxMapRepositories = 32;
inline constexpr std::size_t kMaxMappings = 256;

struct MappedRepository {
  std::string name;               // [A-Za-z0-9._-]{1,64}: also its directory name
  std::vector<std::string> urls;  // the first is used (https://, http:// for loopback, file://)
};

struct Mapping {
  std::vector<std::string> paths;
  std::vector<std::string> repositories;  // names from `repositories`, each at most once
  std::size_t threshold = 1;              // 1 <= threshold <= repositories.size()
  bool terminating = false;
};

struct RepositoryMap {
  std::vector<MappedRepository> repositories;
  std::vector<Mapping> mapping;
  std::filesystem::path source;
};

// Every rule above is checked (unknown keys, unknown repository names, a threshold out of range,
// empty lists, duplicates): an error names the mapping and the key.
Result<RepositoryMap> parse_repository_map(std::string_view json, const std::filesystem::path& source = {});
Result<RepositoryMap> load_repository_map(const std::filesystem::path& file);  // at most kMaxMapBytes

// TAP 4 pattern matching of "<gun>:<tag>" ('*' any run of characters, '?' one, no other magic).
bool map_path_matches(std::string_view pattern, std::string_view target) noexcept;

}  // namespace signy::tuf
