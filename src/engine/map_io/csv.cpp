#include "engine/map_io/csv.hpp"

#include <fmt/format.h>

namespace cosmicai::engine::map_io {

Result<std::vector<CsvRecord>> parse_csv(std::string_view text, char delimiter, std::string_view what,
                                         std::size_t max_records) {
  std::vector<CsvRecord> out;
  std::size_t i = 0, line = 1;
  if (text.starts_with("\xEF\xBB\xBF")) i = 3;  // UTF-8 byte order mark
  const std::size_t n = text.size();
  while (i < n && (max_records == 0 || out.size() < max_records)) {
    // Skip blank lines between records.
    if (text[i] == '\n' || text[i] == '\r') {
      if (text[i] == '\n') ++line;
      ++i;
      continue;
    }
    CsvRecord rec;
    rec.line = line;
    std::string field;
    bool end_of_record = false;
    while (!end_of_record) {
      field.clear();
      if (i < n && text[i] == '"') {
        const std::size_t quote_line = line;
        ++i;
        bool closed = false;
        while (i < n) {
          const char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (c == '\n') ++line;
          field += c;
          ++i;
        }
        if (!closed) {
          return make_error(ErrorCode::kCorrupt, fmt::format("{}:{}: unterminated quoted field", what, quote_line));
        }
        if (i < n && text[i] != delimiter && text[i] != '\n' && text[i] != '\r') {
          return make_error(ErrorCode::kCorrupt,
                            fmt::format("{}:{}: unexpected character '{}' after a closing quote", what, line, text[i]));
        }
      } else {
        while (i < n && text[i] != delimiter && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"') {
            return make_error(ErrorCode::kCorrupt, fmt::format("{}:{}: a quote inside an unquoted field", what, line));
          }
          field += text[i++];
        }
      }
      rec.fields.push_back(field);
      if (i < n && text[i] == delimiter) {
        ++i;
        continue;
      }
      // End of line or of text.
      if (i < n && text[i] == '\r') ++i;
      if (i < n && text[i] == '\n') {
        ++i;
        ++line;
      }
      end_of_record = true;
    }
    out.push_back(std::move(rec));
  }
  return out;
}

}  // namespace cosmicai::engine::map_io
