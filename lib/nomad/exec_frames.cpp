// Exec websocket frames: JSON + base64 (OpenSSL's codec) for stdin/stdout/stderr/exited.
#include <openssl/evp.h>

#include <vector>

#include "nomad/exec_frames.hpp"
#include "vault/json/fields.hpp"

namespace nc::nomad {

std::string base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<std::string> base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return Error(errc::protocol_error, "invalid base64 (length)");
  std::string out(3 * (text.size() / 4) + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return Error(errc::protocol_error, "invalid base64");
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

Result<ExecFrame> decodeExecFrame(std::string_view text) {
  auto doc = json::parse(text, "nomad exec frame");
  if (!doc) return doc.error();
  json::DecodeState st;
  auto f = json::rootObject(*doc, "exec frame", st);
  if (st.error) return *st.error;
  ExecFrame frame;
  if (f.boolean("exited")) {
    frame.kind = ExecFrame::Kind::exited;
    auto result = f.object("result");
    frame.exitCode = static_cast<int>(result.i64("exit_code"));
    frame.signal = result.str("signal");
    frame.oomKilled = result.boolean("oom_killed");
    return json::finish(st, std::move(frame));
  }
  for (auto [key, kind] : {std::pair{"stdout", ExecFrame::Kind::stdoutData},
                           std::pair{"stderr", ExecFrame::Kind::stderrData}}) {
    if (!f.has(key)) continue;
    auto s = f.object(key, json::Need::required);
    frame.kind = kind;
    frame.close = s.boolean("close");
    std::string data = s.str("data");
    if (st.error) return *st.error;
    auto bytes = base64Decode(data);
    if (!bytes)
      return Error(errc::protocol_error,
                   std::string("exec frame ") + key + ".data: " + bytes.error().message);
    frame.data = std::move(*bytes);
    return frame;
  }
  frame.kind = doc->MemberCount() == 0 ? ExecFrame::Kind::heartbeat : ExecFrame::Kind::unknown;
  return frame;
}

std::string encodeStdinFrame(std::string_view data) {
  return json::ObjectWriter().begin("stdin").str("data", base64Encode(data)).end().finish();
}

std::string encodeStdinClose() {
  return json::ObjectWriter().begin("stdin").boolean("close", true).end().finish();
}

std::string encodeCommand(const std::vector<std::string>& command) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartArray();
  for (const auto& c : command) w.String(c.data(), static_cast<rapidjson::SizeType>(c.size()));
  w.EndArray();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace nc::nomad
