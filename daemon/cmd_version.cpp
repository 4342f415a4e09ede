// `nomad-certd version`: version and build information, as text or JSON.
#include <ostream>

#include <openssl/opensslv.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <boost/version.hpp>

#include "cli.hpp"

#ifndef NC_VERSION
#define NC_VERSION "0.0.0"
#endif
#ifndef NC_GIT_COMMIT
#define NC_GIT_COMMIT "unknown"
#endif

namespace nc::cli {

int runVersion(const CommonOptions& opts, CommandIo io) {
  const std::string boost = std::to_string(BOOST_VERSION / 100000) + "." +
                            std::to_string(BOOST_VERSION / 100 % 1000) + "." +
                            std::to_string(BOOST_VERSION % 100);
  if (opts.output == OutputFormat::json) {
    rapidjson::StringBuffer buf;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("name");
    w.String("nomad-certd");
    w.Key("version");
    w.String(NC_VERSION);
    w.Key("commit");
    w.String(NC_GIT_COMMIT);
    w.Key("compiler");
    w.String(__VERSION__);
    w.Key("boost");
    w.String(boost.c_str());
    w.Key("openssl");
    w.String(OPENSSL_VERSION_TEXT);
    w.EndObject();
    io.out << buf.GetString() << "\n";
    return kExitOk;
  }
  io.out << "nomad-certd " << NC_VERSION << " (commit " << NC_GIT_COMMIT << ")\n"
         << "built with g++ " << __VERSION__ << ", Boost " << boost << ", " << OPENSSL_VERSION_TEXT
         << "\n";
  return kExitOk;
}

}  // namespace nc::cli
