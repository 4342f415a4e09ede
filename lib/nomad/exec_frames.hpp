// The JSON frame protocol of Nomad's alloc exec websocket (pure encode/decode).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace nc::nomad {

struct ExecFrame {
  enum class Kind { heartbeat, stdoutData, stderrData, exited, unknown };
  Kind kind = Kind::unknown;
  std::string data;    ///< decoded bytes of stdout/stderr frames
  bool close = false;  ///< the stream was closed by the task
  int exitCode = 0;    ///< exited frames; a missing exit_code means 0
  std::string signal;
  bool oomKilled = false;
};

/// Decodes one server→client text frame. Errors: invalid JSON / base64 / types.
Result<ExecFrame> decodeExecFrame(std::string_view text);
/// {"stdin":{"data":"<base64>"}}
std::string encodeStdinFrame(std::string_view data);
/// {"stdin":{"close":true}}
std::string encodeStdinClose();
/// The `command` query value: a JSON array of strings (not yet URL-encoded).
std::string encodeCommand(const std::vector<std::string>& command);

std::string base64Encode(std::string_view bytes);
Result<std::string> base64Decode(std::string_view text);

}  // namespace nc::nomad
