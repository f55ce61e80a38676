#include "base/yaml_config.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>

#include "base/did_you_mean.h"

namespace mqsim::base {

namespace {

std::string Quote(const YAML::Node& value) {
  if (value.IsScalar()) return "\"" + value.Scalar() + "\"";
  if (value.IsSequence()) return "a list";
  if (value.IsMap()) return "a mapping";
  return "nothing";
}

std::optional<int64_t> ParseInt(const std::string& s) {
  if (s.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size()) return std::nullopt;
  return static_cast<int64_t>(v);
}

std::optional<double> ParseDouble(const std::string& s) {
  if (s.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

// A missing key of a const YAML::Node is an "invalid" node on which every accessor throws;
// an absent section is read as an empty one instead.
YamlSection::YamlSection(YAML::Node node, std::string file, std::string path, YamlReading reading)
    : node_(node.IsDefined() ? std::move(node) : YAML::Node()),
      file_(std::move(file)),
      path_(std::move(path)),
      reading_(reading) {}

std::string MilvusCanonicalKey(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '_' || c == '/' || c == '.') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string YamlSection::Canonical(std::string_view key) const {
  if (reading_ == YamlReading::kStrict) return std::string(key);
  return MilvusCanonicalKey(key);
}

bool YamlSection::EmptyAsMilvus(const YAML::Node& v) const {
  return reading_ == YamlReading::kMilvus && v.IsDefined() &&
         (v.IsNull() || (v.IsScalar() && v.Scalar().empty()));
}

std::string YamlSection::KeyPath(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

std::string YamlSection::Location(const YAML::Node& node) const {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return file_;
  return file_ + ":" + std::to_string(mark.line + 1);
}

absl::Status YamlSection::Error(std::string_view key, std::string_view message) const {
  YAML::Node where = node_;
  if (node_.IsMap()) {
    for (const auto& kv : node_) {
      // reset() rebinds the handle; operator= would write into the document (found by
      // the scenario fuzzer: a heap-use-after-free while iterating it).
      if (kv.first.Scalar() == key) where.reset(kv.second.IsNull() ? kv.first : kv.second);
    }
  }
  return absl::InvalidArgumentError(Location(where) + ": " + KeyPath(key) + ": " +
                                    std::string(message));
}

absl::Status YamlSection::SectionError(std::string_view message) const {
  return absl::InvalidArgumentError(Location(node_) + ": " + (path_.empty() ? "" : path_ + ": ") +
                                    std::string(message));
}

absl::Status YamlSection::Expected(std::string_view key, const YAML::Node& value,
                                   std::string_view what) const {
  return Error(key, "expected " + std::string(what) + ", got " + Quote(value));
}

bool YamlSection::Has(std::string_view key) const {
  if (!node_.IsMap()) return false;
  const std::string want = Canonical(key);
  for (const auto& kv : node_) {
    if (Canonical(kv.first.Scalar()) == want) return true;
  }
  return false;
}

// The last match: strict sections reject duplicates anyway; Milvus keeps the last.
YAML::Node YamlSection::Lookup(std::string_view key) {
  const std::string want = Canonical(key);
  read_.insert(want);
  asked_.emplace(key);
  YAML::Node found(YAML::NodeType::Undefined);
  if (!node_.IsMap()) return found;
  for (const auto& kv : node_) {
    if (Canonical(kv.first.Scalar()) == want) found.reset(kv.second);
  }
  return found;
}

YAML::Node YamlSection::Raw(std::string_view key) { return Lookup(key); }

absl::Status YamlSection::Get(std::string_view key, int64_t* out) {
  const YAML::Node v = Lookup(key);
  if (EmptyAsMilvus(v)) {
    *out = 0;
    return absl::OkStatus();
  }
  if (!v.IsDefined() || v.IsNull()) return absl::OkStatus();
  const auto parsed = v.IsScalar() ? ParseInt(v.Scalar()) : std::nullopt;
  if (!parsed) return Expected(key, v, "an integer");
  *out = *parsed;
  return absl::OkStatus();
}

absl::Status YamlSection::Get(std::string_view key, int* out) {
  int64_t wide = *out;
  MQSIM_RETURN_IF_ERROR(Get(key, &wide));
  if (wide < INT32_MIN || wide > INT32_MAX) return Error(key, "integer out of range");
  *out = static_cast<int>(wide);
  return absl::OkStatus();
}

absl::Status YamlSection::GetOptional(std::string_view key, std::optional<int64_t>* out) {
  const YAML::Node v = Lookup(key);
  if (!v.IsDefined()) return absl::OkStatus();
  if (v.IsNull() || (v.IsScalar() && v.Scalar().empty())) {
    *out = std::nullopt;
    return absl::OkStatus();
  }
  const auto parsed = v.IsScalar() ? ParseInt(v.Scalar()) : std::nullopt;
  if (!parsed) return Expected(key, v, "an integer or nothing");
  *out = *parsed;
  return absl::OkStatus();
}

absl::Status YamlSection::Get(std::string_view key, double* out) {
  const YAML::Node v = Lookup(key);
  if (EmptyAsMilvus(v)) {
    *out = 0;
    return absl::OkStatus();
  }
  if (!v.IsDefined() || v.IsNull()) return absl::OkStatus();
  const auto parsed = v.IsScalar() ? ParseDouble(v.Scalar()) : std::nullopt;
  if (!parsed) return Expected(key, v, "a number");
  *out = *parsed;
  return absl::OkStatus();
}

absl::Status YamlSection::Get(std::string_view key, bool* out) {
  const YAML::Node v = Lookup(key);
  if (EmptyAsMilvus(v)) {
    *out = false;
    return absl::OkStatus();
  }
  if (!v.IsDefined() || v.IsNull()) return absl::OkStatus();
  if (v.IsScalar()) {
    const std::string& s = v.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") {
      *out = true;
      return absl::OkStatus();
    }
    if (s == "false" || s == "False" || s == "FALSE") {
      *out = false;
      return absl::OkStatus();
    }
  }
  return Expected(key, v, "true or false");
}

absl::Status YamlSection::Get(std::string_view key, std::string* out) {
  const YAML::Node v = Lookup(key);
  if (EmptyAsMilvus(v)) {
    out->clear();
    return absl::OkStatus();
  }
  if (!v.IsDefined() || v.IsNull()) return absl::OkStatus();
  if (!v.IsScalar()) return Expected(key, v, "a string");
  *out = v.Scalar();
  return absl::OkStatus();
}

absl::StatusOr<YamlSection> YamlSection::Child(std::string_view key) {
  const YAML::Node v = Lookup(key);
  if (v.IsDefined() && !v.IsNull() && !v.IsMap()) return Expected(key, v, "a mapping");
  return YamlSection(v, file_, KeyPath(key), reading_);
}

absl::Status YamlSection::CheckNoUnknownKeys() const {
  if (!node_.IsMap()) {
    if (node_.IsDefined() && !node_.IsNull()) return SectionError("expected a mapping");
    return absl::OkStatus();
  }
  std::map<std::string, int> first_line;
  for (const auto& kv : node_) {
    const std::string& key = kv.first.Scalar();
    // YAML forbids duplicate keys; yaml-cpp keeps one silently (Milvus the last).
    const auto [it, fresh] = first_line.emplace(Canonical(key), kv.first.Mark().line + 1);
    if (!fresh && reading_ == YamlReading::kStrict) {
      return absl::InvalidArgumentError(Location(kv.first) + ": " + KeyPath(key) +
                                        ": duplicate key (first at line " +
                                        std::to_string(it->second) + ")");
    }
    if (read_.find(Canonical(key)) == read_.end()) {
      const std::vector<std::string> known(asked_.begin(), asked_.end());
      return absl::InvalidArgumentError(Location(kv.first) + ": " + KeyPath(key) + ": unknown key" +
                                        DidYouMean(key, known));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<YAML::Node> ParseYaml(std::string_view text, const std::string& file) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(file + ":" + std::to_string(e.mark.line + 1) +
                                      ": invalid YAML: " + e.msg);
  }
}

}  // namespace mqsim::base
