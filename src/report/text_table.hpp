#pragma once
/// A plain-text table for terminals: a header row, a rule, aligned columns.
#include <string>
#include <vector>

namespace cosmicai::report {

/// Column alignment.
enum class Align { kLeft, kRight };

/// Build rows of cells, then render. Not thread-safe.
class TextTable {
 public:
  /// Add a column; columns appear in the order added.
  TextTable& column(std::string header, Align align = Align::kRight);
  /// Add a row; missing cells render empty, extra cells are an error (std::invalid_argument).
  TextTable& row(std::vector<std::string> cells);
  /// Render with two spaces between columns and a dashed rule under the header; ends with '\n'.
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> aligns_;
  std::vector<std::vector<std::string>> rows_;
};

/// Format with `digits` decimals, dropping nothing (e.g. format_fixed(2.5, 2) = "2.50"); NaN → "n/a".
std::string format_fixed(double value, int digits);
/// Format an integer with thousands separators ("659,817").
std::string format_count(long long value);
/// Format a dollar amount: "$0.38" above one cent, otherwise significant digits ("$0.000123").
std::string format_usd(double value);

}  // namespace cosmicai::report
