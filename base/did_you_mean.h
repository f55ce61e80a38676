// DidYouMean: the closest of some known names to a mistyped one, for error messages
// ("unknown key \"topicz\" (did you mean \"topics\"?)"). Close means an edit distance of
// at most 2, and less than half the word.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mqsim::base {

// The edit (Levenshtein) distance between a and b.
size_t EditDistance(std::string_view a, std::string_view b);

// " (did you mean \"NAME\"?)" for the closest known name, or "" when none is close.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& known);

}  // namespace mqsim::base
