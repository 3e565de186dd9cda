package dev.tollgate.adapter.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.UpstreamException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Gemini's error bodies, in the shape the API documents (google.rpc.Status as JSON). */
class GeminiErrorMapperTest {

  static final String BAD_KEY =
      "{\"error\":{\"code\":400,\"message\":\"API key not valid. Please pass a valid API key.\","
          + "\"status\":\"INVALID_ARGUMENT\",\"details\":[{\"@type\":"
          + "\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\","
          + "\"domain\":\"googleapis.com\",\"metadata\":{\"service\":"
          + "\"generativelanguage.googleapis.com\"}}]}}";

  static String error(int code, String status, String message) {
    return "{\"error\":{\"code\":"
        + code
        + ",\"message\":\""
        + message
        + "\",\"status\":\""
        + status
        + "\"}}";
  }

  @Test
  void statusesMapToOpenAiTypesKeepingTheHttpStatus() {
    record Case(int http, String status, String type) {}
    for (Case c :
        new Case[] {
          new Case(400, "INVALID_ARGUMENT", "invalid_request_error"),
          new Case(400, "FAILED_PRECONDITION", "invalid_request_error"),
          new Case(404, "NOT_FOUND", "invalid_request_error"),
          new Case(401, "UNAUTHENTICATED", "authentication_error"),
          new Case(403, "PERMISSION_DENIED", "permission_error"),
          new Case(429, "RESOURCE_EXHAUSTED", "rate_limit_error"),
          new Case(500, "INTERNAL", "server_error"),
          new Case(503, "UNAVAILABLE", "server_error"),
          new Case(504, "DEADLINE_EXCEEDED", "server_error"),
        }) {
      UpstreamException e = map(c.http(), error(c.http(), c.status(), "words"));
      assertThat(e.status()).as(c.status()).isEqualTo(c.http());
      assertThat(e.type()).as(c.status()).isEqualTo(c.type());
      assertThat(e.code()).isEqualTo(c.status().toLowerCase(java.util.Locale.ROOT));
      assertThat(e.getMessage()).isEqualTo("words");
      // Gemini's own 504 (DEADLINE_EXCEEDED) is the upstream timing out, as the gateway reads it
      assertThat(e.isTimeout()).isEqualTo(c.http() == 504);
    }
  }

  @Test
  void anInvalidKeyIsAnAuthenticationErrorThoughGeminiSays400() {
    UpstreamException e = map(400, BAD_KEY);

    assertThat(e.status()).isEqualTo(400);
    assertThat(e.type()).isEqualTo("authentication_error");
    assertThat(e.code()).isEqualTo("invalid_api_key");
    assertThat(e.getMessage()).isEqualTo("API key not valid. Please pass a valid API key.");
  }

  @Test
  void anErrorWrappedInAnArrayIsRead() {
    UpstreamException e = map(429, "[" + error(429, "RESOURCE_EXHAUSTED", "quota") + "]");

    assertThat(e.type()).isEqualTo("rate_limit_error");
    assertThat(e.getMessage()).isEqualTo("quota");
  }

  @Test
  void bodiesThatAreNoGeminiErrorKeepTheStatusWithADefaultType() {
    assertThat(map(502, "<html>Bad Gateway</html>").type()).isEqualTo("server_error");
    assertThat(map(502, "<html>Bad Gateway</html>").getMessage())
        .isEqualTo("upstream answered HTTP 502");
    assertThat(map(429, "").type()).isEqualTo("rate_limit_error");
    assertThat(map(401, "{}").type()).isEqualTo("authentication_error");
    assertThat(map(403, "{\"error\":\"no\"}").type()).isEqualTo("permission_error");
    assertThat(map(404, "").type()).isEqualTo("invalid_request_error");
    assertThat(map(404, "").code()).isNull();
  }

  @Test
  void anErrorWithoutAStatusGetsTheDefaultForItsHttpStatus() {
    UpstreamException e = map(503, "{\"error\":{\"code\":503,\"message\":\"busy\"}}");

    assertThat(e.type()).isEqualTo("server_error");
    assertThat(e.code()).isNull();
    assertThat(e.getMessage()).isEqualTo("busy");
  }

  private static UpstreamException map(int status, String body) {
    return GeminiErrorMapper.fromResponse(status, body.getBytes(StandardCharsets.UTF_8));
  }
}
