package dev.tollgate.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FixturesTest {

  @Test
  void findsTheRecordingsInTheRepositorysTestResources() {
    assertThat(Fixtures.dir()).endsWith(Path.of("fixtures", "providers"));
    assertThat(Fixtures.dir()).startsWith(Path.of("").toAbsolutePath()); // inside the module
    assertThat(Fixtures.path("README.md")).isRegularFile();
    assertThat(Fixtures.list("openai", ".sse")).contains("openai/chat_stream_tool_call.sse");
  }

  @Test
  void failsClearlyWhenTheFixturesAreMissing() {
    assertThatThrownBy(() -> Fixtures.locate("no/such/fixtures"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("provider fixtures not found")
        .hasMessageContaining("no/such/fixtures/README.md on the class path");
  }

  @Test
  void failsClearlyForAnUnknownFixture() {
    assertThatThrownBy(() -> Fixtures.path("openai/no_such_file.sse"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("fixture openai/no_such_file.sse not found in");
  }
}
