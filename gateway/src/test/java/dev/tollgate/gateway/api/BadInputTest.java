package dev.tollgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.support.GatewayTestBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Bad input gets a clear error in the OpenAI shape, never reaches the upstream, and costs nothing
 * (no usage record at all: nothing was served).
 */
class BadInputTest extends GatewayTestBase {

  @AfterEach
  void nothingReachedTheUpstreamAndNothingWasMetered() throws InterruptedException {
    Thread.sleep(50);
    assertThat(UPSTREAM.pendingRequests()).isZero();
    assertThat(usage.size()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "invalid json           | {\"model\": | 400 | | invalid_json",
        "not an object          | [1,2]                                   | 400 | | invalid_json",
        "missing model          | {\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | 400 | model |",
        "model not a string     | {\"model\":7,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | 400 | model |",
        "missing messages       | {\"model\":\"fake-model\"} | 400 | messages |",
        "empty messages         | {\"model\":\"fake-model\",\"messages\":[]} | 400 | messages |",
        "message without role   | {\"model\":\"fake-model\",\"messages\":[{\"content\":\"x\"}]} | 400 | messages[0] |",
        "stream not a boolean   | {\"model\":\"fake-model\",\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | 400 | stream |",
        "negative max_tokens    | {\"model\":\"fake-model\",\"max_tokens\":-3,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | 400 | max_tokens |",
        "unknown model          | {\"model\":\"no-such-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | 404 | model | model_not_found",
      })
  void isRefusedInTheOpenAiShape(String what, String body, int status, String param, String code) {
    web.post()
        .uri("/v1/chat/completions")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange()
        .expectStatus()
        .isEqualTo(status)
        .expectHeader()
        .contentType(MediaType.APPLICATION_JSON)
        .expectHeader()
        .exists("x-request-id")
        .expectBody()
        .jsonPath("$.error.type")
        .isEqualTo(status == 404 ? "invalid_request_error" : "invalid_request_error")
        .jsonPath("$.error.message")
        .isNotEmpty()
        .jsonPath("$.error.param")
        .isEqualTo(param)
        .jsonPath("$.error.code")
        .isEqualTo(code);
  }

  @Test
  void aBodyOverTheLimitIs413() {
    String big = "x".repeat(70 * 1024);
    web.post()
        .uri("/v1/chat/completions")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"fake-model\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + big
                + "\"}]}")
        .exchange()
        .expectStatus()
        .isEqualTo(413)
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("request_too_large");
  }

  @Test
  void aChunkedBodyOverTheLimitIs413Too() {
    String big = "y".repeat(70 * 1024);
    web.post()
        .uri("/v1/chat/completions")
        .contentType(MediaType.APPLICATION_JSON)
        .body(
            reactor.core.publisher.Flux.just(
                "{\"model\":\"fake-model\",\"messages\":[{\"role\":\"user\",\"content\":\"",
                big,
                "\"}]}"),
            String.class)
        .exchange()
        .expectStatus()
        .isEqualTo(413);
  }

  @Test
  void aMissingKeyIs401() {
    WebTestClient.bindToServer()
        .baseUrl("http://127.0.0.1:" + port)
        .build()
        .post()
        .uri("/v1/chat/completions")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"fake-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
        .exchange()
        .expectStatus()
        .isUnauthorized()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("missing_api_key");
  }

  @Test
  void aWrongKeyIs401() {
    web.post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer sk-gw-wrong-0123456789abcdef")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"fake-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
        .exchange()
        .expectStatus()
        .isUnauthorized()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("invalid_api_key")
        .jsonPath("$.error.type")
        .isEqualTo("invalid_request_error");
  }

  @Test
  void anUnknownPathIs404InTheOpenAiShape() {
    web.get()
        .uri("/v1/nothing-here")
        .exchange()
        .expectStatus()
        .isNotFound()
        .expectBody()
        .jsonPath("$.error.message")
        .isEqualTo("Unknown request URL: GET /v1/nothing-here");
  }
}
