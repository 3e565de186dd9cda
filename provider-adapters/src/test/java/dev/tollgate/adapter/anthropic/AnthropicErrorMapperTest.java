package dev.tollgate.adapter.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.UpstreamException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Anthropic error bodies and events, recorded ones where there are, as gateway errors. */
class AnthropicErrorMapperTest {

  @Test
  void aRecordedInvalidRequestKeepsItsStatusTypeAndMessage() {
    UpstreamException e =
        AnthropicErrorMapper.fromResponse(
            400, Fixtures.bytes("anthropic/error_400_invalid_request.json"));

    assertThat(e.status()).isEqualTo(400);
    assertThat(e.type()).isEqualTo("invalid_request_error");
    assertThat(e.getMessage()).startsWith("messages.0.content.1: unexpected `tool_use_id`");
  }

  @Test
  void aRecordedRateLimitIs429() {
    UpstreamException e =
        AnthropicErrorMapper.fromResponse(
            429, Fixtures.bytes("anthropic/error_429_rate_limit.json"));

    assertThat(e.status()).isEqualTo(429);
    assertThat(e.type()).isEqualTo("rate_limit_error");
    assertThat(e.getMessage())
        .startsWith("This request would exceed your organization's rate limit");
  }

  @Test
  void overloaded529Becomes503() {
    UpstreamException e =
        AnthropicErrorMapper.fromResponse(
            529, body("overloaded_error", "Overloaded").getBytes(StandardCharsets.UTF_8));

    assertThat(e.status()).isEqualTo(503);
    assertThat(e.type()).isEqualTo("overloaded_error");
  }

  @ParameterizedTest
  @CsvSource({
    "401, authentication_error",
    "403, permission_error",
    "404, not_found_error",
    "413, request_too_large",
    "429, rate_limit_error",
    "500, api_error",
    "529, overloaded_error",
    "422, invalid_request_error"
  })
  void aBodyThatIsNotAnAnthropicErrorGetsATypeFromTheStatus(int status, String type) {
    UpstreamException e =
        AnthropicErrorMapper.fromResponse(
            status, "<html>bad gateway</html>".getBytes(StandardCharsets.UTF_8));

    assertThat(e.type()).isEqualTo(type);
    assertThat(e.getMessage()).isEqualTo("upstream answered HTTP " + status);
  }

  @ParameterizedTest
  @CsvSource({
    "overloaded_error, 503",
    "rate_limit_error, 429",
    "api_error, 502",
    "invalid_request_error, 400",
    "timeout_error, 504",
    "something_new, 502"
  })
  void inStreamErrorsGetTheStatusOfTheirType(String type, int status) {
    UpstreamException e = AnthropicErrorMapper.inStream(Json.MAPPER.readTree(body(type, "words")));

    assertThat(e.status()).isEqualTo(status);
    assertThat(e.type()).isEqualTo(type);
    assertThat(e.getMessage()).isEqualTo("words");
  }

  private static String body(String type, String message) {
    return "{\"type\":\"error\",\"error\":{\"type\":\""
        + type
        + "\",\"message\":\""
        + message
        + "\"}}";
  }
}
