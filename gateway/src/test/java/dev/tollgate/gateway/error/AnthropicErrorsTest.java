package dev.tollgate.gateway.error;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** The Anthropic error shape: which paths take it, and the type for each status. */
class AnthropicErrorsTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "400, invalid_request_error",
    "401, authentication_error",
    "402, billing_error",
    "403, permission_error",
    "404, not_found_error",
    "413, request_too_large",
    "429, rate_limit_error",
    "500, api_error",
    "502, api_error",
    "503, overloaded_error",
    "504, timeout_error",
    "418, invalid_request_error"
  })
  void typeByStatus(int status, String type) {
    assertThat(AnthropicErrors.type(status)).isEqualTo(type);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
    "/v1/messages, true",
    "/v1/messages/count_tokens, true",
    "/v1/messagesx, false",
    "/v1/chat/completions, false",
    "/v1/models, false"
  })
  void appliesTo(String path, boolean anthropic) {
    assertThat(AnthropicErrors.appliesTo(path)).isEqualTo(anthropic);
  }

  @Test
  void bodyAndEvent() {
    JsonNode body = Json.MAPPER.readTree(AnthropicErrors.body(429, "Slow down.", "req_1"));
    assertThat(body)
        .isEqualTo(
            Json.MAPPER.readTree(
                "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
                    + "\"message\":\"Slow down.\"},\"request_id\":\"req_1\"}"));
    assertThat(new String(AnthropicErrors.event(529, "Overloaded"), StandardCharsets.UTF_8))
        .isEqualTo(
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                + "\"message\":\"Overloaded\"}}\n\n");
  }
}
