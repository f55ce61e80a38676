// Interned: a topic or group name as a history event keeps it: one pointer to a copy interned
// for the life of the process. A long run records millions of events over a few dozen
// names; Milvus's channel names are longer than std::string's inline buffer, so a plain
// string would cost each event a heap block as well as its 32 bytes.
//
// An Interned name reads as the std::string it stands for (it converts to const std::string&), and
// compares by content. The interned copies are never freed and their addresses never show
// in any output, so runs stay deterministic.
#pragma once

#include <compare>
#include <string>
#include <string_view>

namespace mqsim::properties {

class Interned {
 public:
  Interned() : s_(&Intern("")) {}
  Interned(std::string_view s) : s_(&Intern(s)) {}  // NOLINT: implicit, as the string it stands for
  Interned(const std::string& s) : s_(&Intern(s)) {}  // NOLINT
  Interned(const char* s) : s_(&Intern(s)) {}         // NOLINT

  operator const std::string&() const { return *s_; }  // NOLINT
  const std::string& str() const { return *s_; }
  bool empty() const { return s_->empty(); }
  size_t size() const { return s_->size(); }

  friend bool operator==(const Interned& a, const Interned& b) { return a.s_ == b.s_; }
  friend bool operator==(const Interned& a, const std::string& b) { return *a.s_ == b; }
  friend bool operator==(const Interned& a, const char* b) { return *a.s_ == b; }
  friend std::strong_ordering operator<=>(const Interned& a, const Interned& b) {
    return *a.s_ <=> *b.s_;
  }
  friend std::strong_ordering operator<=>(const Interned& a, const std::string& b) {
    return *a.s_ <=> b;
  }
  friend std::string operator+(const std::string& a, const Interned& b) { return a + *b.s_; }
  friend std::string operator+(const char* a, const Interned& b) { return a + *b.s_; }
  friend std::string operator+(const Interned& a, const std::string& b) { return *a.s_ + b; }
  friend std::string operator+(const Interned& a, const char* b) { return *a.s_ + b; }

 private:
  // The process's one copy of s.
  static const std::string& Intern(std::string_view s);

  const std::string* s_;
};

}  // namespace mqsim::properties
