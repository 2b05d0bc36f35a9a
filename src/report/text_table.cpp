#include "report/text_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace cosmicai::report {

TextTable& TextTable::column(std::string header, Align align) {
  headers_.push_back(std::move(header));
  aligns_.push_back(align);
  return *this;
}

TextTable& TextTable::row(std::vector<std::string> cells) {
  if (cells.size() > headers_.size()) {
    throw std::invalid_argument(
        fmt::format("TextTable: row has {} cells but the table has {} columns", cells.size(), headers_.size()));
  }
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
  return *this;
}

namespace {
// Width in terminal columns: count UTF-8 lead bytes, not bytes.
std::size_t display_width(const std::string& s) {
  std::size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}
}  // namespace

std::string TextTable::render() const {
  std::vector<std::size_t> width(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) {
    width[c] = display_width(headers_[c]);
    for (const auto& r : rows_) width[c] = std::max(width[c], display_width(r[c]));
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::size_t pad = width[c] - display_width(cells[c]);
      if (c) line += "  ";
      if (aligns_[c] == Align::kRight) line.append(pad, ' ');
      line += cells[c];
      if (aligns_[c] == Align::kLeft) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  emit(headers_);
  std::vector<std::string> rule;
  for (auto w : width) rule.emplace_back(w, '-');
  emit(rule);
  for (const auto& r : rows_) emit(r);
  return out;
}

std::string format_fixed(double value, int digits) {
  if (!std::isfinite(value)) return "n/a";
  return fmt::format("{:.{}f}", value, digits);
}

std::string format_count(long long value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

std::string format_usd(double value) {
  if (!std::isfinite(value)) return "n/a";
  if (std::fabs(value) >= 0.01 || value == 0) return fmt::format("${:.2f}", value);
  return fmt::format("${:.3g}", value);
}

}  // namespace cosmicai::report
