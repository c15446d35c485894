// A stream record as JSON: what GetRecords returns per record, and (with the stream's ARN as
// eventSourceARN) what a Lambda trigger's event holds per record.
#pragma once

#include <string_view>

#include "engine/streams.h"
#include "engine/table_meta.h"
#include "model/json_codec.h"

namespace ddbd::triggers {

// Writes {"awsRegion", "dynamodb": {...}, "eventID", "eventName", "eventSource",
// "eventVersion", ["userIdentity"], ["eventSourceARN"]}. eventSourceARN only if given.
void WriteStreamRecord(model::JsonWriter& w, const engine::TableMeta& meta,
                       const engine::StreamMeta& stream, const engine::StreamRecord& record,
                       std::string_view event_source_arn = {});

}  // namespace ddbd::triggers
