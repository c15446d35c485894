// libFuzzer target: the request JSON decoder. Parses the input as the dispatcher does, decodes
// it as an item (attribute name -> AttributeValue), and checks that the binary value codec
// round-trips whatever was accepted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "model/json_codec.h"
#include "model/value_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(
      reinterpret_cast<const char*>(data), size);
  if (doc.HasParseError() || !doc.IsObject()) return 0;
  ddbd::model::AttributeMap item;
  if (!ddbd::model::DecodeAttributeMap(doc, &item).ok()) return 0;
  std::string encoded = ddbd::model::EncodeItem(item);
  ddbd::model::Item decoded;
  if (!ddbd::model::DecodeItem(encoded, &decoded)) std::abort();
  if (ddbd::model::EncodeItem(decoded) != encoded) std::abort();
  rapidjson::StringBuffer buffer;
  ddbd::model::JsonWriter writer(buffer);
  ddbd::model::WriteAttributeMap(writer, decoded);
  // Also feed the raw bytes to the binary decoder: it must reject or accept without crashing.
  ddbd::model::Item ignored;
  ddbd::model::DecodeItem(std::string_view(reinterpret_cast<const char*>(data), size), &ignored);
  return 0;
}
