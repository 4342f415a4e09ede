// The jobspec block/attribute tables: HCL names, api.Job JSON names, value kinds and zero values.
#pragma once

#include <string_view>
#include <vector>

namespace nc::nomadsim::jobspec {

/// Value kinds. "Ptr" kinds are Go pointers/slices/maps (zero value null); the others are Go
/// values whose zero value is "", 0 or false.
enum class Kind {
  StrPtr,
  Str,
  IntPtr,
  Int,
  BoolPtr,
  Bool,
  DurPtr,
  Dur,
  StrList,
  StrMap,
  Any,
  IntPtrZeroNull
};

struct AttrSpec {
  std::string_view hcl;
  std::string_view json;
  Kind kind;
  bool required = false;
};

enum class Mode {
  Single,    ///< one object (duplicate blocks are an error)
  List,      ///< array of objects
  StrMap,    ///< meta/env: attributes become a {string:string} map
  FreeForm,  ///< task config: attributes as-is, nested blocks as arrays of objects
};

struct Schema;
struct BlockSpec {
  std::string_view hcl;
  std::string_view json;
  Mode mode;
  const Schema* schema = nullptr;
  int labels = 0;
  std::string_view labelField = {};  ///< JSON field the label goes to
  std::string_view labelName = {};   ///< how HCL names the label in errors
};

/// A JSON field of the api struct that HCL does not set (zero value written as given JSON text).
struct ExtraField {
  std::string_view json;
  std::string_view zero;  ///< "null", "\"\"", "0", "false"
};

struct Schema {
  std::string_view name;
  std::vector<AttrSpec> attrs;
  std::vector<BlockSpec> blocks;
  std::vector<ExtraField> extras;
};

const Schema& jobSchema();
const Schema& vaultSchema();
const Schema& constraintSchema();

}  // namespace nc::nomadsim::jobspec
