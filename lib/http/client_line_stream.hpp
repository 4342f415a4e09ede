// The NDJSON line reader over any Beast stream: a streamed response body (chunked or closed by
// the server) split into lines by a LineSplitter, with an idle (heartbeat) timeout per read.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "http/client_io.hpp"
#include "http/line_splitter.hpp"

namespace nc::http::detail {

/// Reads the body of a streamed response line by line; owns its stream.
template <class Stream>
class LineStreamImpl final : public LineStream {
 public:
  using Parser = bhttp::response_parser<bhttp::buffer_body>;
  LineStreamImpl(Stream stream, beast::flat_buffer buffer, std::unique_ptr<Parser> parser,
                 std::size_t maxLine, std::string what)
      : stream_(std::move(stream)),
        buffer_(std::move(buffer)),
        parser_(std::move(parser)),
        what_(std::move(what)),
        lines_(maxLine) {}

  net::awaitable<Result<std::optional<std::string>>> nextLine(Duration idleTimeout) override {
    for (;;) {
      auto line = lines_.next();
      if (!line) co_return Error(line.error().code, what_ + ": " + line.error().message);
      if (*line) co_return std::move(*line);
      if (closed_) co_return makeError(errc::cancelled, what_ + ": stream closed");
      if (lines_.finished()) co_return std::optional<std::string>();
      auto& body = parser_->get().body();
      body.data = chunk_;
      body.size = sizeof chunk_;
      setTimeout(stream_, idleTimeout.nanos());
      auto [ec, n] = co_await bhttp::async_read_some(stream_, buffer_, *parser_, kTuple);
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec == beast::error::timeout)
        co_return makeError(errc::timeout, what_ + ": no data for " + idleTimeout.toString() +
                                               " (heartbeat missed)");
      if (ec) co_return mapError(ec, what_);
      lines_.feed(std::string_view(chunk_, sizeof chunk_ - parser_->get().body().size));
      if (parser_->is_done()) lines_.finish();
    }
  }

  void close() override {
    closed_ = true;
    if constexpr (requires { beast::get_lowest_layer(stream_).socket(); }) {
      boost::system::error_code ec;
      beast::get_lowest_layer(stream_).socket().close(ec);
    } else {
      beast::get_lowest_layer(stream_).close();
    }
  }

 private:
  Stream stream_;
  beast::flat_buffer buffer_;
  std::unique_ptr<Parser> parser_;
  std::string what_;
  LineSplitter lines_;
  bool closed_ = false;
  char chunk_[16 * 1024];
};

/// Sends `req` on an open stream and reads the response header. A 2xx yields a LineStream that
/// owns the stream; any other status is an error carrying the status and (bounded) body.
template <class Stream>
net::awaitable<Result<LineStreamPtr>> startLineStream(Stream& stream, BeastRequest req,
                                                      std::size_t maxLine, std::string what) {
  auto [wec, wn] = co_await bhttp::async_write(stream, req, kTuple);
  if (wec) co_return mapError(wec, what);
  beast::flat_buffer buffer;
  auto parser = std::make_unique<typename LineStreamImpl<Stream>::Parser>();
  parser->header_limit(64 * 1024);
  parser->body_limit(boost::none);
  auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, *parser, kTuple);
  if (ec) co_return mapError(ec, what);
  int status = parser->get().result_int();
  auto impl = std::make_unique<LineStreamImpl<Stream>>(std::move(stream), std::move(buffer),
                                                       std::move(parser), maxLine, what);
  if (status >= 200 && status < 300) co_return LineStreamPtr(std::move(impl));
  // Collect a little of the error body for the message.
  std::string body;
  for (int i = 0; i < 64 && body.size() < 4096; ++i) {
    auto line = co_await impl->nextLine(Duration::seconds(5));
    if (!line || !*line) break;
    body += **line + "\n";
  }
  while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
  errc kind = status == 403 || status == 401 ? errc::permission_denied
              : status == 404                ? errc::not_found
              : status >= 500                ? errc::server_error
                                             : errc::protocol_error;
  co_return makeError(kind, what + " returned " + std::to_string(status) +
                                (body.empty() ? std::string() : ": " + body));
}

}  // namespace nc::http::detail
