// libFuzzer target: the request JSON decoder. Parses the input as the dispatcher does, decodes
// it as an item (attribute name -> AttributeValue), checks that every accepted name and string
// is valid UTF-8, and that the binary value codec round-trips whatever was accepted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "model/json_codec.h"
#include "model/value_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rapidjson::Document doc;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  if (!ddbd::model::ParseRequestJson(body, &doc).ok()) return 0;
  ddbd::model::AttributeMap item;
  if (!ddbd::model::DecodeAttributeMap(doc, &item).ok()) return 0;
  // Whatever is accepted is valid UTF-8, names and strings alike (no lone surrogates).
  for (const auto& [name, value] : item) {
    if (!ddbd::model::IsValidUtf8(name)) std::abort();
    if (value.type == ddbd::model::AttrType::kS && !ddbd::model::IsValidUtf8(value.str)) {
      std::abort();
    }
  }
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
