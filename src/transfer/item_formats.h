// The line formats of DynamoDB's S3 exports (docs/exports.md): DynamoDB JSON and Amazon Ion
// text, for full exports ({"Item": ...}) and incremental ones (Metadata, Keys, OldImage,
// NewImage). Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ddbd/status.h"

#include "model/attribute_value.h"

namespace ddbd::transfer {

enum class LineFormat { kDynamoJson, kIon };

// One item of a full export, without the newline.
std::string ItemLine(LineFormat format, const model::Item& item);

// One item of an incremental export: when it last changed, its key, and what it was before the
// period (`old_image`, may be null) and after it (`new_image`, null if deleted).
std::string ChangeLine(LineFormat format, int64_t write_time_us, const model::Item& keys,
                       const model::Item* old_image, const model::Item* new_image);

// Reads one line of an import: a DynamoDB JSON or Ion line of a full export
// ({"Item": {...}} / $ion_1_0 {Item:{...}}). ValidationException for what is not an item.
Result<model::Item> ParseItemLine(LineFormat format, std::string_view line);

// Splits a CSV line at `delimiter`, with RFC 4180 quoting (a doubled quote inside quotes is one).
std::vector<std::string> SplitCsvLine(std::string_view line, char delimiter);

// An Ion decimal for a DynamoDB number: digits with the exponent folded in ("103.", "6d2",
// "15d-1"), as the service's Ion exports write them.
std::string IonDecimal(const model::Number& number);

}  // namespace ddbd::transfer
