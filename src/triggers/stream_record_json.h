// A stream record as JSON: what GetRecords returns per record, and (with the stream's ARN as
// eventSourceARN) what a Lambda trigger's event holds per record.
#pragma once

#include <cstdint>

#include "engine/streams.h"
#include "engine/table_meta.h"
#include "model/json_codec.h"

namespace ddbd::triggers {

// Who reads the record: the Streams API's GetRecords, or a Lambda trigger's event.
enum class RecordReader : uint8_t { kGetRecords, kLambda };

// Writes {"awsRegion", "dynamodb": {...}, "eventID", "eventName", "eventSource",
// "eventVersion", ["userIdentity"], ["eventSourceARN"]}. For Lambda, eventSourceARN is the
// stream's ARN and userIdentity's members are spelt in lower camel case.
void WriteStreamRecord(model::JsonWriter& w, const engine::TableMeta& meta,
                       const engine::StreamMeta& stream, const engine::StreamRecord& record,
                       RecordReader reader);

}  // namespace ddbd::triggers
