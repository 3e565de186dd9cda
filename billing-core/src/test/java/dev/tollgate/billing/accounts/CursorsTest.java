package dev.tollgate.billing.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A cursor the gateway did not make is a bad argument (a 400), never a failed query (a 500). */
class CursorsTest {

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "1:req\u0000x", // PostgreSQL refuses NUL in text
        "1:req\nx",
        "9223372036854775807:req_1", // past PostgreSQL's timestamps
        "-9223372036854775808:req_1",
        "12x:req_1",
        ":req_1",
        "1:"
      })
  void aForgedUsageCursorIsABadArgument(String text) {
    String cursor =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(text.getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> Cursors.usage(cursor))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(expected: the nextCursor of an earlier page)");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"2026-01-31T10:00:00.123456Z", "0001-01-01T00:00:00Z"})
  void aCursorItMadeReadsBack(String at) {
    Instant startedAt = Instant.parse(at);
    Cursors.UsageKey key = Cursors.usage(Cursors.usage(startedAt, "req_1"));
    assertThat(key.startedAt()).isEqualTo(startedAt);
    assertThat(key.requestId()).isEqualTo("req_1");
  }
}
