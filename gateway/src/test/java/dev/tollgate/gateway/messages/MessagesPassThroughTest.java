package dev.tollgate.gateway.messages;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import dev.tollgate.adapter.Json;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.metering.UsageSource;
import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.route.Router;
import dev.tollgate.gateway.support.CapturingUsageSink;
import dev.tollgate.gateway.support.FakeUpstream;
import dev.tollgate.gateway.support.Fixtures;
import dev.tollgate.gateway.support.TestServices;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /v1/messages} served by an {@code anthropic} provider (a fake Anthropic upstream on
 * loopback) passes through: the request reaches the upstream as the client wrote it (only the model
 * renamed), and the answer reaches the client as the upstream wrote it, with the cost added. Billed
 * exactly as the translated path bills the same usage; a fallback to an OpenAI-dialect deployment
 * still answers in Anthropic's shape; the official SDK reads the stream.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(MessagesPassThroughTest.Sink.class)
class MessagesPassThroughTest {

  static final String KEY = "sk-gw-passthrough-test-0123456789";
  static final String ACCOUNT = "acct-passthrough-" + TestServices.REDIS_PREFIX;

  static final FakeUpstream CLAUDE = new FakeUpstream();
  static final FakeUpstream BROKEN = new FakeUpstream();
  static final FakeUpstream OPENAI = new FakeUpstream();

  static final String[] PROPERTIES = {
    "gateway.dev-keys[0]=" + KEY,
    "gateway.billing.demo.balance=1000",
    "gateway.billing.default-output-reserve=10",
    "gateway.billing.reaper-interval=1h",
    "gateway.billing.flusher.poll-interval=20ms",
    "logging.level.dev.tollgate.usage=WARN",
    "gateway.routing.max-attempts=1",
    "gateway.routing.circuit-breaker.failure-threshold=1000000",
    "gateway.retention.initial-delay=24h",
    "gateway.auth.failed-keys.free-attempts=100000",
    "gateway.providers.claude.type=anthropic",
    "gateway.providers.claude.api-key=anthropic-secret",
    "gateway.providers.broken.type=anthropic",
    "gateway.providers.oai.type=openai",
    "gateway.models[0].id=claude",
    "gateway.models[0].provider=claude",
    "gateway.models[0].upstream-model=claude-upstream-1",
    "gateway.models[1].id=gpt",
    "gateway.models[1].provider=oai",
    "gateway.models[1].upstream-model=gpt-upstream-1",
    "gateway.models[2].id=claude-failing",
    "gateway.models[2].provider=broken",
    "gateway.models[2].upstream-model=claude-broken-1",
    "gateway.models[2].fallbacks[0]=gpt",
  };

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    for (String p : PROPERTIES) {
      int eq = p.indexOf('=');
      registry.add(p.substring(0, eq), () -> p.substring(eq + 1));
    }
    for (int i = 0; i <= 2; i++) { // the same prices everywhere: the paths' costs compare
      String at = "gateway.models[" + i + "].price.";
      registry.add(at + "input", () -> "1.00");
      registry.add(at + "cached-input", () -> "0.10");
      registry.add(at + "output", () -> "2.00");
      // cache writes at the input price (not the 1.25x default): OpenAI's usage cannot say them
      registry.add(at + "cache-write", () -> "1.00");
    }
    registry.add("gateway.providers.claude.base-url", CLAUDE::baseUrl);
    registry.add("gateway.providers.broken.base-url", BROKEN::baseUrl);
    registry.add("gateway.providers.oai.base-url", OPENAI::baseUrl);
    registry.add("spring.data.redis.url", () -> TestServices.REDIS_URL);
    registry.add("spring.r2dbc.url", TestServices::r2dbcUrl);
    registry.add("gateway.billing.redis-prefix", () -> TestServices.REDIS_PREFIX);
    registry.add("gateway.billing.demo.id", () -> ACCOUNT);
  }

  @TestConfiguration(proxyBeanMethods = false)
  static class Sink {
    @Bean
    @Primary
    CapturingUsageSink capturingUsageSink() {
      return new CapturingUsageSink();
    }
  }

  @LocalServerPort int port;
  @Autowired CapturingUsageSink usage;
  @Autowired HoldStore holds;

  /** What the client sends: thinking with its signature, cache_control, stop sequences, top_k. */
  static final String REQUEST =
      """
      {"model":"%s","max_tokens":2048,%s
       "system":[{"type":"text","text":"You are terse.","cache_control":{"type":"ephemeral"}}],
       "messages":[
        {"role":"user","content":[{"type":"text","text":"Is it safe to cross?",
          "cache_control":{"type":"ephemeral","ttl":"1h"}}]},
        {"role":"assistant","content":[
          {"type":"thinking","thinking":"The light is red.","signature":"EqQBCgIYAhIM1gbcDa9GJwZA"},
          {"type":"text","text":"Wait."}]},
        {"role":"user","content":"And now?"}],
       "thinking":{"type":"enabled","budget_tokens":1024},
       "stop_sequences":["END"],"top_k":5,"metadata":{"user_id":"u-1"}}
      """;

  /** An Anthropic message with cache reads and writes: 10 + 100 + 5 prompt tokens, 20 output. */
  static final String MESSAGE =
      """
      {"id":"msg_upstream_1","type":"message","role":"assistant","model":"claude-upstream-1",
       "content":[{"type":"thinking","thinking":"Green now.","signature":"Sig-9"},
                  {"type":"text","text":"Cross.  END?"}],
       "stop_reason":"stop_sequence","stop_sequence":"END",
       "usage":{"input_tokens":10,"cache_read_input_tokens":100,"cache_creation_input_tokens":5,
                "output_tokens":20}}""";

  /** The same usage as OpenAI reports it: prompt tokens include the cached ones. */
  static final String COMPLETION =
      """
      {"id":"chatcmpl-1","object":"chat.completion","model":"gpt-upstream-1",
       "choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant",
         "content":"Cross."}}],
       "usage":{"prompt_tokens":115,"completion_tokens":20,"total_tokens":135,
         "prompt_tokens_details":{"cached_tokens":100}}}""";

  /** (115 - 100) x 1 000 + 100 x 100 + 20 x 2 000 nano-units. */
  static final long COST = 15_000 + 10_000 + 40_000;

  record Answer(int status, String requestId, String body, String cost, String model) {}

  @BeforeEach
  void reset() {
    for (FakeUpstream upstream : List.of(CLAUDE, BROKEN, OPENAI)) {
      upstream.clear();
    }
    usage.clear();
    BROKEN.script(
        FakeUpstream.json(
            500, "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"boom\"}}"));
  }

  private static String request(String model, boolean stream) {
    return REQUEST.formatted(model, stream ? "\"stream\":true," : "");
  }

  private Answer messages(String json) {
    return HttpClient.create()
        .headers(h -> h.set("x-api-key", KEY).set("content-type", "application/json"))
        .post()
        .uri("http://127.0.0.1:" + port + "/v1/messages")
        .send(ByteBufMono.fromString(Mono.just(json)))
        .responseSingle(
            (response, content) ->
                content
                    .asString(StandardCharsets.UTF_8)
                    .defaultIfEmpty("")
                    .map(
                        body ->
                            new Answer(
                                response.status().code(),
                                response.responseHeaders().get("x-request-id"),
                                body,
                                response.responseHeaders().get("x-gateway-cost"),
                                response.responseHeaders().get(Router.MODEL_HEADER))))
        .block(Duration.ofSeconds(20));
  }

  /** The client's request as the upstream must get it: only the model renamed. */
  private static JsonNode asSentUpstream(String clientJson, String upstreamModel) {
    ObjectNode expected = (ObjectNode) Json.MAPPER.readTree(clientJson);
    expected.put("model", upstreamModel);
    return expected;
  }

  @Test
  void aStreamedAnswerArrivesAsTheUpstreamSentItWithItsCost() throws Exception {
    List<String> events =
        FakeUpstream.events(Fixtures.read("anthropic/messages_stream_thinking.sse"));
    CLAUDE.script(FakeUpstream.sse(events, Duration.ZERO));
    long before = balance();

    Answer answer = messages(request("claude", true));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(CLAUDE.takeBody()))
        .isEqualTo(asSentUpstream(request("claude", true), "claude-upstream-1"));
    // the same events, byte for byte, but message_delta, which gains usage.cost
    List<String> received = FakeUpstream.events(answer.body());
    assertThat(received).hasSameSizeAs(events);
    for (int i = 0; i < events.size(); i++) {
      if (!events.get(i).startsWith("event: message_delta")) {
        assertThat(received.get(i)).isEqualTo(events.get(i));
        continue;
      }
      ObjectNode sent = (ObjectNode) data(received.get(i));
      // 43 prompt tokens at 1.00, 282 output tokens at 2.00 per million
      assertThat(((ObjectNode) sent.get("usage")).remove("cost").decimalValue())
          .isEqualByComparingTo("0.000607");
      assertThat(sent).isEqualTo(data(events.get(i)));
    }
    UsageRecord record = usage.take(answer.requestId());
    assertThat(record.status()).isEqualTo(RequestStatus.COMPLETED);
    assertThat(record.source()).isEqualTo(UsageSource.REPORTED);
    assertThat(record.promptTokens()).isEqualTo(43);
    assertThat(record.completionTokens()).isEqualTo(282);
    assertThat(settledBalance()).isEqualTo(before - (43 * 1_000 + 282 * 2_000));
  }

  @Test
  void aWholeAnswerIsTheUpstreamsMessageAndCostsWhatTheTranslatedPathCharges() throws Exception {
    CLAUDE.script(FakeUpstream.json(200, MESSAGE));
    OPENAI.script(FakeUpstream.json(200, COMPLETION));
    long before = balance();

    Answer passed = messages(request("claude", false));
    Answer translated = messages(request("gpt", false));

    assertThat(passed.status()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(CLAUDE.takeBody()))
        .isEqualTo(asSentUpstream(request("claude", false), "claude-upstream-1"));
    ObjectNode body = (ObjectNode) Json.MAPPER.readTree(passed.body());
    BigDecimal cost = ((ObjectNode) body.get("usage")).remove("cost").decimalValue();
    assertThat(body).isEqualTo(Json.MAPPER.readTree(MESSAGE));
    assertThat(cost).isEqualByComparingTo(new BigDecimal(passed.cost()));
    assertThat(cost).isEqualByComparingTo(BigDecimal.valueOf(COST).movePointLeft(9));
    assertThat(translated.status()).isEqualTo(200);
    assertThat(translated.cost()).isEqualTo(passed.cost());
    assertThat(Json.MAPPER.readTree(translated.body()).path("usage").path("cost").decimalValue())
        .isEqualByComparingTo(cost);

    UsageRecord p = usage.take(passed.requestId());
    UsageRecord t = usage.take(translated.requestId());
    for (UsageRecord r : List.of(p, t)) {
      assertThat(r.source()).isEqualTo(UsageSource.REPORTED);
      assertThat(r.promptTokens()).isEqualTo(115);
      assertThat(r.cachedPromptTokens()).isEqualTo(100);
      assertThat(r.completionTokens()).isEqualTo(20);
    }
    assertThat(settledBalance()).isEqualTo(before - 2 * COST);
  }

  @Test
  void cacheWritesAreBilledAtTheCacheWritePricesOneHourWritesAtTwiceTheInputPrice()
      throws Exception {
    // 5 written for five minutes (cache-write 1.00 here), 2 for one hour (unset: 2 x input)
    CLAUDE.script(
        FakeUpstream.json(
            200,
            MESSAGE.replace(
                "\"cache_creation_input_tokens\":5,",
                "\"cache_creation_input_tokens\":7,\"cache_creation\":"
                    + "{\"ephemeral_5m_input_tokens\":5,\"ephemeral_1h_input_tokens\":2},")));
    long before = balance();

    Answer answer = messages(request("claude", false));

    assertThat(answer.status()).isEqualTo(200);
    long expected = 10 * 1_000 + 100 * 100 + 5 * 1_000 + 2 * 2_000 + 20 * 2_000;
    assertThat(new BigDecimal(answer.cost()))
        .isEqualByComparingTo(BigDecimal.valueOf(expected).movePointLeft(9));
    UsageRecord record = usage.take(answer.requestId());
    assertThat(record.promptTokens()).isEqualTo(117);
    assertThat(record.cacheWriteTokens()).isEqualTo(7);
    assertThat(record.cacheWrite1hTokens()).isEqualTo(2);
    assertThat(settledBalance()).isEqualTo(before - expected);
  }

  @Test
  void aFallbackFromAFailingAnthropicDeploymentToAnOpenAiOneAnswersInAnthropicsShape()
      throws Exception {
    OPENAI.script(
        FakeUpstream.sse(
            FakeUpstream.events(Fixtures.read("openai/chat_stream_text_include_usage.sse")),
            Duration.ZERO));

    Answer answer = messages(request("claude-failing", true));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.model()).isEqualTo("gpt");
    JsonNode tried = Json.MAPPER.readTree(BROKEN.takeBody());
    assertThat(tried).isEqualTo(asSentUpstream(request("claude-failing", true), "claude-broken-1"));
    JsonNode translated = Json.MAPPER.readTree(OPENAI.takeBody());
    assertThat(translated.path("model").asString()).isEqualTo("gpt-upstream-1");
    assertThat(translated.path("messages").get(0).path("role").asString()).isEqualTo("system");
    List<String> types =
        EncoderHarness.types(EncoderHarness.parse(answer.body())).stream().distinct().toList();
    assertThat(types)
        .containsExactly(
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop");
    JsonNode start = data(FakeUpstream.events(answer.body()).getFirst());
    assertThat(start.path("message").path("id").asString()).startsWith("msg_");
    assertThat(start.path("message").path("model").asString()).isEqualTo("claude-failing");
    assertThat(usage.take(answer.requestId()).status()).isEqualTo(RequestStatus.COMPLETED);
  }

  @Test
  void theAnthropicSdkReadsThePassedThroughStreamWithItsThinkingSignature() throws Exception {
    String fixture = Fixtures.read("anthropic/messages_stream_thinking.sse");
    CLAUDE.script(FakeUpstream.sse(FakeUpstream.events(fixture), Duration.ofMillis(1)));
    AnthropicClient client =
        AnthropicOkHttpClient.builder()
            .baseUrl("http://127.0.0.1:" + port)
            .apiKey(KEY)
            .maxRetries(0)
            .timeout(Duration.ofSeconds(10))
            .build();
    MessageAccumulator accumulator = MessageAccumulator.create();

    try (StreamResponse<RawMessageStreamEvent> stream =
        client
            .messages()
            .createStreaming(
                MessageCreateParams.builder()
                    .model("claude")
                    .maxTokens(2048)
                    .enabledThinking(1024)
                    .addUserMessage("Is it safe to cross?")
                    .build())) {
      stream.stream().forEach(accumulator::accumulate);
    }

    Message message = accumulator.message();
    String signature = signatureIn(fixture);
    assertThat(message.content().getFirst().asThinking().signature()).isEqualTo(signature);
    assertThat(message.content().getFirst().asThinking().thinking()).isNotBlank();
    assertThat(message.content().get(1).asText().text()).isNotBlank();
    assertThat(message.id())
        .isEqualTo(
            data(FakeUpstream.events(fixture).getFirst()).path("message").path("id").asString());
    assertThat(message.stopReason()).hasValue(StopReason.END_TURN);
    assertThat(message.usage().outputTokens()).isEqualTo(282);
    JsonNode sent = Json.MAPPER.readTree(CLAUDE.takeBody());
    assertThat(sent.path("model").asString()).isEqualTo("claude-upstream-1");
    assertThat(sent.path("thinking").path("budget_tokens").asInt()).isEqualTo(1024);
    UsageRecord record = usage.take();
    assertThat(record.streamed()).isTrue();
    assertThat(record.completionTokens()).isEqualTo(282);
  }

  /** The signature the recording's signature_delta carries. */
  private static String signatureIn(String sse) {
    for (String event : FakeUpstream.events(sse)) {
      JsonNode delta = data(event).path("delta");
      if (delta.path("type").asString("").equals("signature_delta")) {
        return delta.path("signature").asString();
      }
    }
    throw new AssertionError("the recording has no signature_delta");
  }

  private static JsonNode data(String event) {
    int at = event.indexOf("data:");
    return Json.MAPPER.readTree(event.substring(at + 5).trim());
  }

  /** The account's settled balance, loading the account with a first request if needed. */
  private long balance() throws InterruptedException {
    if (holds.account(ACCOUNT).block(Duration.ofSeconds(5)) == null) {
      OPENAI.script(FakeUpstream.json(200, COMPLETION));
      Answer first = messages(request("gpt", false));
      OPENAI.clear();
      usage.take(first.requestId());
    }
    return settledBalance();
  }

  /** The balance once no hold is left: every request so far has settled. */
  private long settledBalance() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline) {
      AccountState state = holds.account(ACCOUNT).block(Duration.ofSeconds(5));
      if (state != null && state.held() == 0) {
        return state.balance();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("holds of " + ACCOUNT + " were not released within 5 s");
  }
}
