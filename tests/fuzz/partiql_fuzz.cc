// libFuzzer target: the PartiQL lexer and parser, and parameter resolution of every value a
// parsed statement holds (with a few typed parameters), on hostile input.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "partiql/ast.h"

namespace {

using ddbd::model::AttributeValue;

void ResolveAll(const ddbd::partiql::Operand& op, const std::vector<AttributeValue>& params) {
  if (op.kind == ddbd::partiql::Operand::Kind::kValue) {
    (void)ddbd::partiql::ResolveValue(op.value, params);
  }
  for (const auto& arg : op.args) ResolveAll(arg, params);
}

void ResolveAll(const ddbd::partiql::Condition& c, const std::vector<AttributeValue>& params) {
  for (const auto& op : c.operands) ResolveAll(op, params);
  for (const auto& child : c.children) ResolveAll(child, params);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = ddbd::partiql::Parse(text);
  if (!parsed.ok()) return 0;
  std::vector<AttributeValue> params;
  for (size_t i = 0; i < parsed->parameters; ++i) {
    params.push_back(i % 2 ? AttributeValue::String("p") : AttributeValue::Bool(true));
  }
  (void)ddbd::partiql::ResolveValue(parsed->item, params);
  if (parsed->where) ResolveAll(*parsed->where, params);
  if (parsed->select.where) ResolveAll(*parsed->select.where, params);
  for (const auto& action : parsed->actions) ResolveAll(action.value, params);
  return 0;
}
