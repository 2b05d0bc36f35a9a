#pragma once
/// RFC 4180 CSV records (quoted fields, doubled quotes, CRLF or LF line ends), for ItemReader.
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace cosmicai::engine::map_io {

/// One record with the 1-based line it starts on.
struct CsvRecord {
  std::size_t line = 0;
  std::vector<std::string> fields;
};

/// Split `text` into records of fields separated by `delimiter`. Blank lines are skipped. At most
/// `max_records` records are returned (0 = all). Errors (an unterminated quote, text after a closing
/// quote) name `what` and the line.
Result<std::vector<CsvRecord>> parse_csv(std::string_view text, char delimiter, std::string_view what,
                                         std::size_t max_records = 0);

}  // namespace cosmicai::engine::map_io
