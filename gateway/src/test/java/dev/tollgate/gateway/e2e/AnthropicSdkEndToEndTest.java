package dev.tollgate.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.InternalServerException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.mock.MockText;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.metering.UsageSource;
import dev.tollgate.gateway.support.FakeUpstream;
import dev.tollgate.gateway.support.Fixtures;
import dev.tollgate.gateway.support.GatewayTestBase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The official Anthropic Java SDK pointed at the running gateway as its base URL: {@code
 * /v1/messages} answered by the OpenAI-dialect providers behind it. Model {@code mock-fast} is the
 * built-in mock answering 5 tokens; {@code fake-model} the scripted fake OpenAI upstream.
 */
class AnthropicSdkEndToEndTest extends GatewayTestBase {

  private AnthropicClient client;

  @BeforeEach
  void sdk() {
    client =
        AnthropicOkHttpClient.builder()
            .baseUrl("http://127.0.0.1:" + port)
            .apiKey(KEY)
            .maxRetries(0)
            .timeout(Duration.ofSeconds(10))
            .build();
  }

  private static MessageCreateParams.Builder params(String model) {
    return MessageCreateParams.builder()
        .model(model)
        .maxTokens(64)
        .addUserMessage("Say something.");
  }

  private static Tool weatherTool() {
    return Tool.builder()
        .name("get_weather")
        .description("The weather in a city now")
        .inputSchema(
            Tool.InputSchema.builder()
                .properties(
                    Tool.InputSchema.Properties.builder()
                        .putAdditionalProperty("city", JsonValue.from(Map.of("type", "string")))
                        .build())
                .required(List.of("city"))
                .build())
        .build();
  }

  @Test
  void aPlainMessage() throws Exception {
    Message message = client.messages().create(params("mock-fast").build());

    assertThat(message.content()).hasSize(1);
    assertThat(message.content().getFirst().asText().text()).isEqualTo(MockText.text(5));
    assertThat(message.stopReason()).hasValue(StopReason.END_TURN);
    assertThat(message.model().asString()).isEqualTo("mock-fast");
    assertThat(message.id()).startsWith("msg_");
    assertThat(message.usage().outputTokens()).isEqualTo(5);

    UsageRecord record = usage.take();
    assertThat(record.status()).isEqualTo(RequestStatus.COMPLETED);
    assertThat(record.source()).isEqualTo(UsageSource.REPORTED);
    assertThat(record.completionTokens()).isEqualTo(5);
    assertThat(record.promptTokens()).isEqualTo(message.usage().inputTokens());
  }

  @Test
  void aStreamedMessageAccumulates() throws Exception {
    MessageAccumulator accumulator = MessageAccumulator.create();
    StringBuilder text = new StringBuilder();
    try (StreamResponse<RawMessageStreamEvent> stream =
        client.messages().createStreaming(params("mock-fast").build())) {
      stream.stream()
          .peek(accumulator::accumulate)
          .flatMap(event -> event.contentBlockDelta().stream())
          .forEach(delta -> delta.delta().text().ifPresent(t -> text.append(t.text())));
    }

    assertThat(text.toString()).isEqualTo(MockText.text(5));
    Message message = accumulator.message();
    assertThat(message.content().getFirst().asText().text()).isEqualTo(MockText.text(5));
    assertThat(message.stopReason()).hasValue(StopReason.END_TURN);
    assertThat(message.usage().outputTokens()).isEqualTo(5);
    UsageRecord record = usage.take();
    assertThat(record.streamed()).as("%s", record).isTrue();
    assertThat(record.completionTokens()).isEqualTo(5);
  }

  @Test
  void aToolUseRoundTrip() throws Exception {
    UPSTREAM.script(
        FakeUpstream.json(
            200,
            """
            {"id":"chatcmpl-1","object":"chat.completion","model":"upstream-model-x",
             "choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant",
               "content":null,"tool_calls":[{"id":"call_1","type":"function",
               "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]}}],
             "usage":{"prompt_tokens":50,"completion_tokens":12,"total_tokens":62}}
            """));
    MessageCreateParams ask =
        MessageCreateParams.builder()
            .model("fake-model")
            .maxTokens(200)
            .addTool(weatherTool())
            .addUserMessage("Weather in Paris?")
            .build();

    Message first = client.messages().create(ask);

    assertThat(first.stopReason()).hasValue(StopReason.TOOL_USE);
    ToolUseBlock call = first.content().getFirst().asToolUse();
    assertThat(call.id()).isEqualTo("call_1");
    assertThat(call.name()).isEqualTo("get_weather");
    assertThat(call._input().convert(Map.class)).isEqualTo(Map.of("city", "Paris"));
    JsonNode firstSent = Json.MAPPER.readTree(UPSTREAM.takeBody());
    assertThat(firstSent.path("tools").get(0).path("function").path("name").asString())
        .isEqualTo("get_weather");
    assertThat(firstSent.path("tools").get(0).path("function").path("parameters").path("required"))
        .hasSize(1);
    usage.take();

    UPSTREAM.script(FakeUpstream.json(200, Fixtures.read("openai/chat_completion.json")));
    Message second =
        client
            .messages()
            .create(
                ask.toBuilder()
                    .addMessage(first)
                    .addUserMessageOfBlockParams(
                        List.of(
                            ContentBlockParam.ofToolResult(
                                ToolResultBlockParam.builder()
                                    .toolUseId(call.id())
                                    .content("18 degrees, sunny")
                                    .build())))
                    .build());

    assertThat(second.content().getFirst().isText()).isTrue();
    JsonNode sent = Json.MAPPER.readTree(UPSTREAM.takeBody()).path("messages");
    assertThat(sent).hasSize(3);
    assertThat(sent.get(1).path("tool_calls").get(0).path("id").asString()).isEqualTo("call_1");
    assertThat(sent.get(1).path("tool_calls").get(0).path("function").path("arguments").asString())
        .isEqualTo("{\"city\":\"Paris\"}");
    assertThat(sent.get(2).path("role").asString()).isEqualTo("tool");
    assertThat(sent.get(2).path("tool_call_id").asString()).isEqualTo("call_1");
    assertThat(sent.get(2).path("content").asString()).isEqualTo("18 degrees, sunny");
    assertThat(usage.take().completionTokens()).isEqualTo(37);
  }

  @Test
  void aStreamedToolUseAccumulatesItsInput() throws Exception {
    UPSTREAM.script(
        FakeUpstream.sse(
            FakeUpstream.events(Fixtures.read("openai/chat_stream_tool_call.sse")), Duration.ZERO));
    MessageAccumulator accumulator = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> stream =
        client
            .messages()
            .createStreaming(
                MessageCreateParams.builder()
                    .model("fake-model")
                    .maxTokens(200)
                    .addTool(weatherTool())
                    .addUserMessage("Weather in New York?")
                    .build())) {
      stream.stream().forEach(accumulator::accumulate);
    }

    Message message = accumulator.message();
    assertThat(message.stopReason()).hasValue(StopReason.TOOL_USE);
    ContentBlock block = message.content().getFirst();
    assertThat(block.asToolUse().name()).isEqualTo("get_weather");
    assertThat(block.asToolUse()._input().convert(Map.class))
        .isEqualTo(Map.of("city", "New York City"));
    assertThat(message.usage().outputTokens()).isEqualTo(16);
    // message_start carried the local estimate; message_delta the upstream's report, which wins
    assertThat(message.usage().inputTokens()).isEqualTo(44);
    UsageRecord record = usage.take();
    assertThat(record.streamed()).isTrue();
    assertThat(record.completionTokens()).isEqualTo(16);
  }

  @Test
  void anUpstreamFailureMidStreamIsRaisedByTheSdk() throws Exception {
    List<String> events =
        FakeUpstream.events(Fixtures.read("openai/chat_stream_text_include_usage.sse"));
    UPSTREAM.script(FakeUpstream.sseThenDrop(events.subList(0, 4)));
    StringBuilder text = new StringBuilder();

    assertThatThrownBy(
            () -> {
              try (StreamResponse<RawMessageStreamEvent> stream =
                  client.messages().createStreaming(params("fake-model").build())) {
                stream.stream()
                    .flatMap(event -> event.contentBlockDelta().stream())
                    .forEach(d -> d.delta().text().ifPresent(t -> text.append(t.text())));
              }
            })
        .isInstanceOfSatisfying(
            AnthropicServiceException.class, e -> assertThat(errorType(e)).isEqualTo("api_error"));
    assertThat(text.toString()).isEqualTo("I'm unable to");
    assertThat(usage.take().status()).isEqualTo(RequestStatus.UPSTREAM_ERROR);
  }

  @Test
  void anUnknownModelIsTheSdksNotFoundException() {
    assertThatThrownBy(() -> client.messages().create(params("no-such-model").build()))
        .isInstanceOfSatisfying(
            NotFoundException.class, e -> assertThat(errorType(e)).isEqualTo("not_found_error"));
  }

  @Test
  void aBadKeyIsTheSdksUnauthorizedException() {
    AnthropicClient wrongKey =
        AnthropicOkHttpClient.builder()
            .baseUrl("http://127.0.0.1:" + port)
            .apiKey("sk-gw-not-a-real-key-0000000000")
            .maxRetries(0)
            .build();
    assertThatThrownBy(() -> wrongKey.messages().create(params("mock-fast").build()))
        .isInstanceOfSatisfying(
            UnauthorizedException.class,
            e -> assertThat(errorType(e)).isEqualTo("authentication_error"));
  }

  @Test
  void anInvalidParameterIsTheSdksBadRequestException() {
    assertThatThrownBy(() -> client.messages().create(params("mock-fast").maxTokens(0).build()))
        .isInstanceOfSatisfying(
            BadRequestException.class,
            e -> {
              assertThat(errorType(e)).isEqualTo("invalid_request_error");
              assertThat(e.getMessage()).contains("max_tokens");
            });
    assertThat(usage.size()).isZero();
  }

  @Test
  void anUpstreamFailureIsTheSdksServerException() throws Exception {
    UPSTREAM.script(
        FakeUpstream.json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"));
    assertThatThrownBy(() -> client.messages().create(params("fake-model").build()))
        .isInstanceOfSatisfying(
            InternalServerException.class,
            e -> {
              // Retried, then exhausted: a 502 quoting the upstream (see route/RoutePlan).
              assertThat(e.statusCode()).isEqualTo(502);
              assertThat(errorType(e)).isEqualTo("api_error");
            });
    UsageRecord record = usage.take();
    assertThat(record.status()).isEqualTo(RequestStatus.UPSTREAM_ERROR);
    assertThat(record.totalTokens()).isZero();
  }

  /** {@code error.type} of the error body the SDK received. */
  private static String errorType(AnthropicServiceException e) {
    Map<?, ?> body = e.body().convert(Map.class);
    assertThat(body.get("type")).isEqualTo("error");
    return String.valueOf(((Map<?, ?>) body.get("error")).get("type"));
  }
}
