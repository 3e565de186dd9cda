package dev.tollgate.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.UpstreamException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class OpenAiErrorMapperTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void invalidApiKey401KeepsStatusAndCarriesTheErrorFields() {
    byte[] body = Fixtures.bytes("openai/error_401_invalid_api_key.json");
    JsonNode error = JSON.readTree(body).path("error");

    UpstreamException e = OpenAiErrorMapper.fromResponse(401, body);

    assertThat(e.status()).isEqualTo(401);
    assertThat(e.type()).isEqualTo("invalid_request_error"); // what OpenAI sent, not a default
    assertThat(e.code()).isEqualTo("invalid_api_key");
    assertThat(e.param()).isNull();
    assertThat(e.getMessage())
        .isEqualTo(error.path("message").asString())
        .startsWith("Incorrect API key provided: sk-XXX.");
    assertThat(e.isTimeout()).isFalse();
  }

  @Test
  void unsupportedValue400CarriesTheParam() {
    byte[] body = Fixtures.bytes("openai/error_400_unsupported_value.json");
    JsonNode error = JSON.readTree(body).path("error");

    UpstreamException e = OpenAiErrorMapper.fromResponse(400, body);

    assertThat(e.status()).isEqualTo(400);
    assertThat(e.type()).isEqualTo("invalid_request_error");
    assertThat(e.code()).isEqualTo("unsupported_value");
    assertThat(e.param()).isEqualTo("messages[0].role");
    assertThat(e.getMessage()).isEqualTo(error.path("message").asString());
  }

  @Test
  void nonJsonBodyKeepsTheStatusWithADefaultTypeAndNoFields() {
    byte[] body =
        "<html><body><h1>502 Bad Gateway</h1></body></html>".getBytes(StandardCharsets.UTF_8);

    UpstreamException e = OpenAiErrorMapper.fromResponse(502, body);

    assertThat(e.status()).isEqualTo(502);
    assertThat(e.type()).isEqualTo("upstream_error");
    assertThat(e.code()).isNull();
    assertThat(e.param()).isNull();
    assertThat(e.getMessage()).isEqualTo("upstream answered HTTP 502");
  }

  @Test
  void emptyBodyKeepsTheStatusWithADefaultType() {
    UpstreamException e = OpenAiErrorMapper.fromResponse(429, new byte[0]);

    assertThat(e.status()).isEqualTo(429);
    assertThat(e.type()).isEqualTo("rate_limit_error");
    assertThat(e.code()).isNull();
    assertThat(e.param()).isNull();
    assertThat(e.getMessage()).isEqualTo("upstream answered HTTP 429");
  }

  @Test
  void defaultTypesFollowTheStatus() {
    assertThat(OpenAiErrorMapper.fromResponse(401, new byte[0]).type())
        .isEqualTo("authentication_error");
    assertThat(OpenAiErrorMapper.fromResponse(403, new byte[0]).type())
        .isEqualTo("authentication_error");
    assertThat(OpenAiErrorMapper.fromResponse(404, new byte[0]).type())
        .isEqualTo("invalid_request_error");
    assertThat(OpenAiErrorMapper.fromResponse(503, new byte[0]).type()).isEqualTo("upstream_error");
  }

  @Test
  void jsonWithoutAnErrorObjectGetsDefaults() {
    byte[] body = "{\"detail\":\"Not Found\"}".getBytes(StandardCharsets.UTF_8);

    UpstreamException e = OpenAiErrorMapper.fromResponse(404, body);

    assertThat(e.status()).isEqualTo(404);
    assertThat(e.type()).isEqualTo("invalid_request_error");
    assertThat(e.getMessage()).isEqualTo("upstream answered HTTP 404");
  }

  @Test
  void numericCodeAndStringErrorAreCarried() {
    // some OpenAI-compatible servers send a number as code, or the error as a bare string
    UpstreamException numeric =
        OpenAiErrorMapper.fromResponse(
            400,
            "{\"error\":{\"message\":\"bad\",\"type\":\"BadRequestError\",\"code\":400}}"
                .getBytes(StandardCharsets.UTF_8));
    UpstreamException string =
        OpenAiErrorMapper.fromResponse(
            500, "{\"error\":\"model crashed\"}".getBytes(StandardCharsets.UTF_8));

    assertThat(numeric.code()).isEqualTo("400");
    assertThat(numeric.type()).isEqualTo("BadRequestError");
    assertThat(numeric.getMessage()).isEqualTo("bad");
    assertThat(string.getMessage()).isEqualTo("model crashed");
    assertThat(string.type()).isEqualTo("upstream_error");
  }

  @Test
  void retryAfterInSecondsOrAsAnHttpDateIsCarried() {
    UpstreamException seconds = OpenAiErrorMapper.fromResponse(429, new byte[0], "3");
    UpstreamException date =
        OpenAiErrorMapper.fromResponse(
            503,
            new byte[0],
            java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(30)));

    assertThat(seconds.retryAfter()).isEqualTo(java.time.Duration.ofSeconds(3));
    assertThat(date.retryAfter())
        .isBetween(java.time.Duration.ofSeconds(25), java.time.Duration.ofSeconds(31));
  }

  @Test
  void aMissingOrUnreadableRetryAfterIsNone() {
    assertThat(OpenAiErrorMapper.fromResponse(429, new byte[0]).retryAfter()).isNull();
    assertThat(OpenAiErrorMapper.fromResponse(429, new byte[0], "soon").retryAfter()).isNull();
    assertThat(OpenAiErrorMapper.fromResponse(429, new byte[0], "-1").retryAfter()).isNull();
  }
}
