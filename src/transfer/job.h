// What export and import jobs share: who and what they are for, where in S3, their state.
#pragma once

#include <cstdint>
#include <string>

namespace ddbd::transfer {

struct JobMeta {
  std::string id;  // <14-digit start time in ms>-<8 hex>
  std::string account, region, table_name, table_id;
  std::string status = "IN_PROGRESS";  // IN_PROGRESS | COMPLETED | FAILED
  int64_t start_ms = 0, end_ms = 0;
  std::string client_token;
  std::string bucket, bucket_owner;
  std::string failure_code, failure_message;

  std::string TableArn() const {
    return "arn:aws:dynamodb:" + region + ":" + account + ":table/" + table_name;
  }
};

}  // namespace ddbd::transfer
