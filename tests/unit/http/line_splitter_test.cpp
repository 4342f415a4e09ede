// LineSplitter: lines independent of chunk boundaries, "\r\n", empty lines, the line limit and
// the unterminated last line.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/line_splitter.hpp"

namespace nc::http {
namespace {

struct Outcome {
  std::vector<std::string> lines;
  std::string error;  ///< "" when the stream ended cleanly
  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  os << "{";
  for (const auto& l : o.lines) os << "[" << l << "]";
  return os << " error=" << o.error << "}";
}

/// Feeds `pieces` in turn, taking every line available after each, then finishes.
Outcome split(const std::vector<std::string>& pieces, std::size_t maxLine) {
  LineSplitter sp(maxLine);
  Outcome out;
  auto drain = [&] {
    for (;;) {
      auto l = sp.next();
      if (!l) {
        EXPECT_TRUE(l.error().is(errc::too_large));
        out.error = l.error().message;
        return false;
      }
      if (!*l) return true;
      out.lines.push_back(**l);
    }
  };
  for (const auto& p : pieces) {
    sp.feed(p);
    if (!drain()) return out;
  }
  sp.finish();
  drain();
  return out;
}

const std::string kStream =
    "{}\n{\"Index\":7,\"Events\":[]}\r\n\n\r\n{\"Index\":8,\"Events\":[{\"Topic\":\"Job\"}]}\n"
    "a\rb\n{\"Index\":9}";
const Outcome kLines{{"{}", "{\"Index\":7,\"Events\":[]}", "", "",
                      "{\"Index\":8,\"Events\":[{\"Topic\":\"Job\"}]}", "a\rb", "{\"Index\":9}"},
                     ""};

TEST(LineSplitter, SameLinesWhereverTheChunksEnd) {
  EXPECT_EQ(split({kStream}, 1024), kLines);
  std::vector<std::string> bytes;
  for (char c : kStream) bytes.emplace_back(1, c);
  EXPECT_EQ(split(bytes, 1024), kLines);
  for (std::size_t i = 0; i <= kStream.size(); ++i)
    for (std::size_t j = i; j <= kStream.size(); j += 3) {
      auto got = split({kStream.substr(0, i), kStream.substr(i, j - i), kStream.substr(j)}, 1024);
      ASSERT_EQ(got, kLines) << "split at " << i << " and " << j;
    }
}

TEST(LineSplitter, CrLfAndEmptyLines) {
  EXPECT_EQ(split({"a\r", "\nb\r\n", "\r\n", "\n"}, 16), (Outcome{{"a", "b", "", ""}, ""}));
  // Only one '\r' right before '\n' is part of the terminator.
  EXPECT_EQ(split({"x\r\r\n\ry\n"}, 16), (Outcome{{"x\r", "\ry"}, ""}));
}

TEST(LineSplitter, NeedsMoreBytesUntilANewlineOrTheEnd) {
  LineSplitter sp(64);
  sp.feed("{\"Index\"");
  auto l = sp.next();
  ASSERT_TRUE(l);
  EXPECT_FALSE(*l);
  EXPECT_FALSE(sp.finished());
  EXPECT_EQ(sp.buffered(), 8u);
  sp.feed(":1}\n{");
  EXPECT_EQ(**sp.next(), "{\"Index\":1}");
  EXPECT_FALSE(*sp.next());
  EXPECT_EQ(sp.buffered(), 1u);
}

TEST(LineSplitter, LastLineWithoutNewlineAtTheEnd) {
  EXPECT_EQ(split({"{}\n{\"Ind", "ex\":3}"}, 64), (Outcome{{"{}", "{\"Index\":3}"}, ""}));
  EXPECT_EQ(split({"{}\nlast\r"}, 64), (Outcome{{"{}", "last"}, ""}));
  EXPECT_EQ(split({"{}\n"}, 64), (Outcome{{"{}"}, ""}));
  EXPECT_EQ(split({}, 64), (Outcome{}));

  LineSplitter sp(64);
  sp.feed("tail");
  sp.finish();
  sp.feed("ignored after the end\n");
  EXPECT_EQ(**sp.next(), "tail");
  auto end = sp.next();
  ASSERT_TRUE(end);
  EXPECT_FALSE(*end);
  EXPECT_FALSE(*sp.next());
}

TEST(LineSplitter, LineOverTheLimitFailsWhateverTheChunking) {
  const std::string err = "line longer than 8 bytes";
  // Exactly the limit passes, with either terminator and as the last line.
  EXPECT_EQ(split({"12345678\n", "12345678\r\n", "12345678"}, 8),
            (Outcome{{"12345678", "12345678", "12345678"}, ""}));
  EXPECT_EQ(split({"12345678\r", "\n"}, 8), (Outcome{{"12345678"}, ""}));
  // One more byte fails: in one chunk, byte by byte, and as the unterminated last line.
  const std::string over = "ok\n123456789\nnever\n";
  EXPECT_EQ(split({over}, 8), (Outcome{{"ok"}, err}));
  std::vector<std::string> bytes;
  for (char c : over) bytes.emplace_back(1, c);
  EXPECT_EQ(split(bytes, 8), (Outcome{{"ok"}, err}));
  EXPECT_EQ(split({"ok\n123456789"}, 8), (Outcome{{"ok"}, err}));
  EXPECT_EQ(split({"ok\n12345678\r\r"}, 8), (Outcome{{"ok"}, err}));
}

TEST(LineSplitter, UnterminatedLongLineFailsBeforeItsEndAndStaysFailed) {
  LineSplitter sp(8);
  sp.feed("123456789");
  auto l = sp.next();
  ASSERT_TRUE(l);  // limit + 1 bytes: the splitter only knows once a 10th byte or the end comes
  EXPECT_FALSE(*l);
  sp.feed("0");
  l = sp.next();
  ASSERT_FALSE(l);
  EXPECT_TRUE(l.error().is(errc::too_large));
  EXPECT_TRUE(sp.failed());
  EXPECT_EQ(sp.buffered(), 0u) << "the long line is not kept";
  sp.feed("{}\n");
  EXPECT_FALSE(sp.next()) << "a failed splitter stays failed";
}

TEST(LineSplitter, BufferStaysBoundedWhileLinesAreTaken) {
  LineSplitter sp(32);
  std::string chunk;
  for (int i = 0; i < 100; ++i) chunk += "{\"Index\":" + std::to_string(i) + "}\n";
  std::size_t lines = 0;
  for (int round = 0; round < 200; ++round) {
    sp.feed(chunk);
    while (auto l = sp.next()) {
      if (!*l) break;
      ++lines;
    }
    EXPECT_EQ(sp.buffered(), 0u);
  }
  EXPECT_EQ(lines, 200u * 100u);
}

}  // namespace
}  // namespace nc::http
