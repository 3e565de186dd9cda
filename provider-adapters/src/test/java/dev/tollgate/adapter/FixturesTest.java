package dev.tollgate.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FixturesTest {

  @Test
  void findsTheSharedFixturesNextToTheRepository() {
    assertThat(Fixtures.dir()).endsWith(Path.of("shared", "fixtures", "providers"));
    assertThat(Fixtures.path("README.md")).isRegularFile();
    assertThat(Fixtures.list("openai", ".sse")).contains("openai/chat_stream_tool_call.sse");
  }

  @Test
  void walksUpFromAModuleOfAWorkTree(@TempDir Path tmp) throws IOException {
    Path repo = Files.createDirectories(tmp.resolve("wt"));
    Files.writeString(repo.resolve(".git"), "gitdir: elsewhere\n"); // a work tree's .git file
    Path module = Files.createDirectories(repo.resolve("provider-adapters/target"));
    Path fixtures = Files.createDirectories(tmp.resolve("shared/fixtures/providers"));

    assertThat(Fixtures.locate(module)).isEqualTo(fixtures);
  }

  @Test
  void failsClearlyWhenTheFixturesAreMissing(@TempDir Path tmp) throws IOException {
    Path repo = Files.createDirectories(tmp.resolve("repo"));
    Files.createDirectories(repo.resolve(".git"));
    Path module = Files.createDirectories(repo.resolve("module"));

    assertThatThrownBy(() -> Fixtures.locate(module))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("provider fixtures not found")
        .hasMessageContaining("shared/fixtures/providers in the parent of the repository root")
        .hasMessageContaining(module.toString())
        .hasMessageContaining("past repository roots [" + repo + "]");
  }

  @Test
  void failsClearlyForAnUnknownFixture() {
    assertThatThrownBy(() -> Fixtures.path("openai/no_such_file.sse"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("fixture openai/no_such_file.sse not found in");
  }
}
