package dev.tollgate.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.gateway.support.GatewayTestBase;
import dev.tollgate.gateway.support.RawHttp;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Regression: a known path asked with another method was a 404; it is a 405 with {@code Allow}, in
 * the OpenAI error shape (Anthropic's on {@code /v1/messages}).
 */
class WrongMethodTest extends GatewayTestBase {

  RawHttp.Response send(String method, String path) throws IOException {
    return RawHttp.exchange(port, method, path, KEY, null);
  }

  @Test
  void aKnownPathWithAnotherMethodIs405WithAllow() throws IOException {
    assertMethodNotAllowed(send("POST", "/v1/models"), "GET");
    assertMethodNotAllowed(send("DELETE", "/v1/models"), "GET");
    assertMethodNotAllowed(send("GET", "/v1/chat/completions"), "POST");
    assertMethodNotAllowed(send("PUT", "/v1/embeddings"), "POST");
    assertMethodNotAllowed(send("GET", "/webhooks/payments"), "POST");
    // DELETE /v1/account exists for the owner (an API key is answered 403 there)
    assertMethodNotAllowed(send("POST", "/v1/account"), "DELETE, GET");
  }

  @Test
  void theMessagesEndpointAnswersInTheAnthropicShape() throws IOException {
    RawHttp.Response answer = send("GET", "/v1/messages");
    assertThat(answer.status()).isEqualTo(405);
    assertThat(answer.header("allow")).isEqualTo("POST");
    JsonNode body = Json.MAPPER.readTree(answer.body());
    assertThat(body.path("type").asString()).isEqualTo("error");
    assertThat(body.path("error").path("type").asString()).isEqualTo("invalid_request_error");
  }

  @Test
  void anUnknownPathIsStill404() throws IOException {
    RawHttp.Response answer = send("GET", "/v1/nothing-here");
    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.header("allow")).isNull();
  }

  static void assertMethodNotAllowed(RawHttp.Response answer, String allow) {
    assertThat(answer.status()).as(answer.body()).isEqualTo(405);
    assertThat(answer.header("allow")).isEqualTo(allow);
    JsonNode error = Json.MAPPER.readTree(answer.body()).path("error");
    assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
    assertThat(error.path("code").asString()).isEqualTo("method_not_allowed");
    assertThat(error.path("message").asString()).contains("(expected: " + allow + ")");
  }
}
