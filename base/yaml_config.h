// YamlSection: typed, strict reading of one mapping of a YAML document (a milvus.yaml
// section, a scenario), with errors that name the file, the line and the full key.
//
//   YamlSection s(root["rocksmq"], "milvus.yaml", "rocksmq");
//   MQSIM_RETURN_IF_ERROR(s.Get("rocksmqPageSize", &options.page_size_bytes));
//   MQSIM_RETURN_IF_ERROR(s.CheckNoUnknownKeys());
//
// A missing key leaves the output untouched (the caller's default). A key of the wrong type
// is an InvalidArgument status: "milvus.yaml:12: rocksmq.rocksmqPageSize: expected an
// integer, got \"big\"". Keys never read are reported by CheckNoUnknownKeys.
#pragma once

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status_macros.h"

namespace mqsim::base {

// How a section's values are read.
//   kStrict  mqsim's own keys: a key matches exactly; an empty value ("key:") keeps the
//            default; a key given twice is an error.
//   kMilvus  as Milvus reads milvus.yaml: every value is text converted when read, so
//            "1024" and 1024 are the same; an empty value ("key:" or "") is present and
//            reads as 0, false or ""; keys match ignoring case, '_' and '/' (Milvus
//            normalises both sides); of a key given twice the last counts. A value that is
//            not a number where one is read is still an error (Milvus would read 0).
enum class YamlReading { kStrict, kMilvus };

class YamlSection {
 public:
  // node may be undefined or null (an absent or empty section): every Get then keeps its
  // default. file names the document in messages; path is the dotted key of node. Child
  // sections read as their parent does.
  YamlSection(YAML::Node node, std::string file, std::string path,
              YamlReading reading = YamlReading::kStrict);

  bool Has(std::string_view key) const;
  absl::Status Get(std::string_view key, int64_t* out);
  absl::Status Get(std::string_view key, int* out);
  absl::Status Get(std::string_view key, double* out);
  absl::Status Get(std::string_view key, bool* out);
  absl::Status Get(std::string_view key, std::string* out);
  // A null value ("key:" with nothing after it) is "unset": *out becomes nullopt.
  absl::Status GetOptional(std::string_view key, std::optional<int64_t>* out);
  // A nested mapping; absent gives an empty section.
  absl::StatusOr<YamlSection> Child(std::string_view key);
  // The raw node of a key (marked as read).
  YAML::Node Raw(std::string_view key);

  // InvalidArgument naming the first key of this mapping that no Get/Child/Raw asked for.
  absl::Status CheckNoUnknownKeys() const;
  // An error about key, located at its line: "file:line: path.key: message".
  absl::Status Error(std::string_view key, std::string_view message) const;
  // The same about the section itself.
  absl::Status SectionError(std::string_view message) const;

  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }
  YamlReading reading() const { return reading_; }

 private:
  YAML::Node Lookup(std::string_view key);
  // The key as this section compares it (normalised when reading as Milvus does).
  std::string Canonical(std::string_view key) const;
  // An empty value where Milvus would read "" (kMilvus only).
  bool EmptyAsMilvus(const YAML::Node& v) const;
  std::string KeyPath(std::string_view key) const;
  std::string Location(const YAML::Node& node) const;
  absl::Status Expected(std::string_view key, const YAML::Node& value, std::string_view what) const;

  YAML::Node node_;
  std::string file_;
  std::string path_;
  YamlReading reading_;
  std::set<std::string, std::less<>> read_;   // canonical keys asked for
  std::set<std::string, std::less<>> asked_;  // as spelled by the reader (did-you-mean)
};

// A key as Milvus compares keys: lower case, without '_', '/' and '.'.
std::string MilvusCanonicalKey(std::string_view key);

// Parses a whole YAML text; a syntax error names file and line.
absl::StatusOr<YAML::Node> ParseYaml(std::string_view text, const std::string& file);

}  // namespace mqsim::base
