package dev.tollgate.gateway.messages;

import static dev.tollgate.gateway.support.FakeUpstream.events;
import static dev.tollgate.gateway.support.FakeUpstream.json;
import static dev.tollgate.gateway.support.FakeUpstream.sse;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.metering.UsageSource;
import dev.tollgate.gateway.messages.EncoderHarness.Sse;
import dev.tollgate.gateway.support.FakeUpstream;
import dev.tollgate.gateway.support.Fixtures;
import dev.tollgate.gateway.support.GatewayTestBase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/messages} through the running gateway to the fake OpenAI-compatible upstream: the
 * request translated on the way up, the answer on the way down, metered like chat completions; bad
 * input refused in the Anthropic error shape before anything is spent.
 */
class MessagesApiTest extends GatewayTestBase {

  private static final String REQUEST =
      """
      {"model":"fake-model","max_tokens":300,"system":"Be brief.",
       "messages":[{"role":"user","content":"What's the weather like in SF?"}]}
      """;

  private EntityExchangeResult<byte[]> post(WebTestClient client, String body) {
    return client
        .post()
        .uri("/v1/messages")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchange()
        .expectBody()
        .returnResult();
  }

  private static JsonNode bodyOf(EntityExchangeResult<byte[]> result) {
    return Json.MAPPER.readTree(result.getResponseBody());
  }

  @Test
  void aWholeMessage() throws Exception {
    UPSTREAM.script(json(200, Fixtures.read("openai/chat_completion.json")));

    EntityExchangeResult<byte[]> result = post(web, REQUEST);

    assertThat(result.getStatus().value()).isEqualTo(200);
    JsonNode message = bodyOf(result);
    String requestId = result.getResponseHeaders().getFirst("x-request-id");
    assertThat(message.path("type").asString()).isEqualTo("message");
    assertThat(message.path("id").asString()).isEqualTo("msg_" + requestId.substring(4));
    assertThat(message.path("model").asString()).isEqualTo("fake-model");
    assertThat(message.path("content").get(0).path("type").asString()).isEqualTo("text");
    assertThat(message.path("content").get(0).path("text").asString())
        .startsWith("I'm unable to provide real-time weather updates.");
    assertThat(message.path("stop_reason").asString()).isEqualTo("end_turn");
    assertThat(message.path("usage").path("input_tokens").asLong()).isEqualTo(14);
    assertThat(message.path("usage").path("output_tokens").asLong()).isEqualTo(37);
    assertThat(result.getResponseHeaders().getFirst("x-gateway-cost"))
        .isEqualTo(message.path("usage").path("cost").decimalValue().toPlainString());

    JsonNode sent = Json.MAPPER.readTree(UPSTREAM.takeBody());
    assertThat(sent.path("model").asString()).isEqualTo("upstream-model-x");
    assertThat(sent.path("max_tokens").asLong()).isEqualTo(300);
    assertThat(sent.path("messages"))
        .isEqualTo(
            Json.MAPPER.readTree(
                """
                [{"role":"system","content":"Be brief."},
                 {"role":"user","content":"What's the weather like in SF?"}]
                """));
    UsageRecord record = usage.take(requestId);
    assertThat(record.status()).isEqualTo(RequestStatus.COMPLETED);
    assertThat(record.source()).isEqualTo(UsageSource.REPORTED);
    assertThat(record.promptTokens()).isEqualTo(14);
    assertThat(record.completionTokens()).isEqualTo(37);
    assertThat(record.streamed()).isFalse();
  }

  @Test
  void aStreamedToolCall() throws Exception {
    UPSTREAM.script(sse(events(Fixtures.read("openai/chat_stream_tool_call.sse")), Duration.ZERO));

    EntityExchangeResult<byte[]> result =
        post(web, REQUEST.replace("\"max_tokens\":300", "\"max_tokens\":300,\"stream\":true"));

    assertThat(result.getStatus().value()).isEqualTo(200);
    assertThat(result.getResponseHeaders().getContentType().toString())
        .startsWith("text/event-stream");
    List<Sse> events =
        EncoderHarness.parse(new String(result.getResponseBody(), StandardCharsets.UTF_8));
    assertThat(EncoderHarness.types(events))
        .containsExactly(
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop");
    JsonNode delta = events.get(10).data();
    assertThat(delta.path("delta").path("stop_reason").asString()).isEqualTo("tool_use");
    assertThat(delta.path("usage").path("output_tokens").asLong()).isEqualTo(16);
    assertThat(delta.path("usage").path("cost").isNumber()).isTrue();

    JsonNode sent = Json.MAPPER.readTree(UPSTREAM.takeBody());
    assertThat(sent.path("stream").asBoolean()).isTrue();
    assertThat(sent.path("stream_options").path("include_usage").asBoolean()).isTrue();
    UsageRecord record = usage.take(result.getResponseHeaders().getFirst("x-request-id"));
    assertThat(record.streamed()).isTrue();
    assertThat(record.source()).isEqualTo(UsageSource.REPORTED);
    assertThat(record.completionTokens()).isEqualTo(16);
  }

  @Test
  void anUpstreamFailureMidStreamIsAnErrorEvent() throws Exception {
    List<String> head = events(Fixtures.read("openai/chat_stream_text_include_usage.sse"));
    UPSTREAM.script(FakeUpstream.sseThenDrop(head.subList(0, 5)));

    EntityExchangeResult<byte[]> result =
        post(web, REQUEST.replace("\"max_tokens\":300", "\"max_tokens\":300,\"stream\":true"));

    List<Sse> events =
        EncoderHarness.parse(new String(result.getResponseBody(), StandardCharsets.UTF_8));
    assertThat(events.getFirst().type()).isEqualTo("message_start");
    Sse last = events.getLast();
    assertThat(last.event()).isEqualTo("error");
    assertThat(last.data().path("error").path("type").asString()).isEqualTo("api_error");
    UsageRecord record = usage.take(result.getResponseHeaders().getFirst("x-request-id"));
    assertThat(record.status()).isEqualTo(RequestStatus.UPSTREAM_ERROR);
    assertThat(record.source()).isEqualTo(UsageSource.PARTIAL);
  }

  @Test
  void anUpstreamErrorBeforeTheAnswerIsA502InTheAnthropicShape() throws Exception {
    // Retried, then exhausted: a 502 quoting the upstream (see route/RoutePlan).
    UPSTREAM.script(
        json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"code\":null}}"));

    EntityExchangeResult<byte[]> result = post(web, REQUEST);

    assertThat(result.getStatus().value()).isEqualTo(502);
    JsonNode error = bodyOf(result);
    assertThat(error.path("type").asString()).isEqualTo("error");
    assertThat(error.path("error").path("type").asString()).isEqualTo("api_error");
    assertThat(error.path("request_id").asString())
        .isEqualTo(result.getResponseHeaders().getFirst("x-request-id"));
    UsageRecord record = usage.take(result.getResponseHeaders().getFirst("x-request-id"));
    assertThat(record.totalTokens()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "invalid json       | {\"model\":                                      | 400 | invalid_request_error",
        "no model           | {\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | 400 | invalid_request_error",
        "no max_tokens      | {\"model\":\"fake-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | 400 | invalid_request_error",
        "empty messages     | {\"model\":\"fake-model\",\"max_tokens\":5,\"messages\":[]} | 400 | invalid_request_error",
        "system role        | {\"model\":\"fake-model\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]} | 400 | invalid_request_error",
        "document block     | {\"model\":\"fake-model\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"document\"}]}]} | 400 | invalid_request_error",
        "server tool        | {\"model\":\"fake-model\",\"max_tokens\":5,\"tools\":[{\"type\":\"bash_20250124\",\"name\":\"bash\"}],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | 400 | invalid_request_error",
        "unknown model      | {\"model\":\"no-such-model\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | 404 | not_found_error",
      })
  void badInputIsRefusedBeforeAnythingIsSpent(String what, String body, int status, String type)
      throws Exception {
    EntityExchangeResult<byte[]> result = post(web, body);

    assertThat(result.getStatus().value()).isEqualTo(status);
    assertThat(result.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
    JsonNode error = bodyOf(result);
    assertThat(error.path("type").asString()).isEqualTo("error");
    assertThat(error.path("error").path("type").asString()).isEqualTo(type);
    assertThat(error.path("error").path("message").asString()).isNotBlank();
    Thread.sleep(50);
    assertThat(UPSTREAM.pendingRequests()).isZero();
    assertThat(usage.size()).isZero();
  }

  @Test
  void withoutAKeyIs401AuthenticationError() {
    WebTestClient anonymous =
        WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build();

    EntityExchangeResult<byte[]> result = post(anonymous, REQUEST);

    assertThat(result.getStatus().value()).isEqualTo(401);
    assertThat(bodyOf(result).path("error").path("type").asString())
        .isEqualTo("authentication_error");
    assertThat(UPSTREAM.pendingRequests()).isZero();
  }

  @Test
  void theKeyIsTakenFromXApiKeyAsAnthropicSdksSendIt() throws Exception {
    UPSTREAM.script(json(200, Fixtures.read("openai/chat_completion.json")));
    WebTestClient anthropicStyle =
        WebTestClient.bindToServer()
            .baseUrl("http://127.0.0.1:" + port)
            .defaultHeader("x-api-key", KEY)
            .defaultHeader("anthropic-version", "2023-06-01")
            .build();

    assertThat(post(anthropicStyle, REQUEST).getStatus().value()).isEqualTo(200);
    UPSTREAM.takeBody();
    usage.take();
  }

  @Test
  void theChatCompletionsEndpointKeepsTheOpenAiErrorShape() {
    web.post()
        .uri("/v1/chat/completions")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"no-such-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
        .exchange()
        .expectStatus()
        .isNotFound()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("model_not_found")
        .jsonPath("$.type")
        .doesNotExist();
  }
}
