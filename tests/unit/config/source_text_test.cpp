// Reading configuration text: key paths guessed for unparseable text, blank files, formatting.
#include <gtest/gtest.h>

#include "config/diagnostics.hpp"
#include "config/source_text.hpp"

namespace nc::config {
namespace {

constexpr const char* kYaml =
    "version: 1\n"           // 1
    "vault:\n"               // 2
    "  pki_roles:\n"         // 3
    "    - mount: pki\n"     // 4
    "      config:\n"        // 5
    "        ttl: 24h\n"     // 6
    "    - mount: other\n"   // 7
    "      config:\n"        // 8
    "        max_ttl: 1h\n"  // 9
    "# a comment\n"          // 10
    "nomad:\n"               // 11
    "  jobs:\n"              // 12
    "  - file: a.hcl\n"      // 13
    "    certificates:\n"    // 14
    "    - task: t\n";       // 15

TEST(OutlinePath, FollowsIndentationAndListItems) {
  EXPECT_EQ(outlinePath(kYaml, 1), "version");
  EXPECT_EQ(outlinePath(kYaml, 3), "vault.pki_roles");
  EXPECT_EQ(outlinePath(kYaml, 4), "vault.pki_roles[0].mount");
  EXPECT_EQ(outlinePath(kYaml, 6), "vault.pki_roles[0].config.ttl");
  EXPECT_EQ(outlinePath(kYaml, 9), "vault.pki_roles[1].config.max_ttl");
  EXPECT_EQ(outlinePath(kYaml, 10), "vault.pki_roles[1].config.max_ttl");
  EXPECT_EQ(outlinePath(kYaml, 13), "nomad.jobs[0].file");
  EXPECT_EQ(outlinePath(kYaml, 15), "nomad.jobs[0].certificates[0].task");
  EXPECT_EQ(outlinePath("", 1), "<root>");
}

TEST(LineColumn, CountsFromOne) {
  EXPECT_EQ(lineColumnAt("ab\ncd", 0), std::make_pair(1, 1));
  EXPECT_EQ(lineColumnAt("ab\ncd", 4), std::make_pair(2, 2));
}

TEST(BlankYaml, CommentsAndMarkersOnly) {
  EXPECT_TRUE(isBlankYaml(""));
  EXPECT_TRUE(isBlankYaml("# x\n\n---\n  # y\n...\n"));
  EXPECT_FALSE(isBlankYaml("# x\nversion: 1\n"));
}

TEST(DiagnosticFormat, FileLineColumnFieldMessage) {
  Diagnostics d;
  d.error({"ds.yaml", 14, 7}, "vault.pki_roles[0].config.ttl", "invalid duration \"24 hours\"");
  d.warning({"ds.yaml", 3, 1}, "vault", "something odd");
  d.error({"$VAULT_CACERT", 0, 0}, "vault.tls.ca_cert", "missing");
  EXPECT_EQ(d.items()[0].toString(),
            "ds.yaml:14:7: vault.pki_roles[0].config.ttl: invalid duration \"24 hours\"");
  EXPECT_EQ(d.items()[1].toString(), "ds.yaml:3:1: warning: vault: something odd");
  EXPECT_EQ(d.items()[2].toString(), "$VAULT_CACERT: vault.tls.ca_cert: missing");
  EXPECT_EQ(d.errorCount(), 2u);
  EXPECT_EQ(d.warningCount(), 1u);
}

}  // namespace
}  // namespace nc::config
