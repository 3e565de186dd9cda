package dev.tollgate.gateway.api;

import static dev.tollgate.gateway.support.FakeUpstream.events;
import static dev.tollgate.gateway.support.FakeUpstream.json;
import static dev.tollgate.gateway.support.FakeUpstream.sse;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.tokens.TokenEstimator;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.metering.UsageSource;
import dev.tollgate.gateway.support.FakeUpstream;
import dev.tollgate.gateway.support.Fixtures;
import dev.tollgate.gateway.support.GatewayTestBase;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/** The pass-through stream path against a fake OpenAI-compatible upstream replaying recordings. */
class StreamingRelayTest extends GatewayTestBase {

  private static final String STREAM_WITH_USAGE =
      """
      {"model":"fake-model","stream":true,"stream_options":{"include_usage":true},
       "messages":[{"role":"user","content":"What's the weather like in SF?"}]}""";

  private static final String STREAM =
      """
      {"model":"fake-model","stream":true,
       "messages":[{"role":"user","content":"What's the weather like in SF?"}]}""";

  /**
   * Regression: an upstream that sent {@code [DONE]} and then neither closed the response nor sent
   * anything (longer than the idle timeout) made the gateway append an error event, a second usage
   * chunk and a second {@code [DONE]} to a stream the client had already received in full.
   */
  @Test
  void anUpstreamThatStallsAfterDoneEndsTheStreamOnceWithoutAnError() throws Exception {
    String recorded = Fixtures.read("openai/chat_stream_text_include_usage.sse");
    List<String> sent = events(recorded);
    UPSTREAM.script(
        (response, recorder) ->
            response
                .header("content-type", "text/event-stream")
                .sendString(
                    Flux.fromIterable(sent)
                        .concatWith(Mono.delay(Duration.ofMillis(1500)).then(Mono.empty())))
                .then());

    Raw raw = post(STREAM_WITH_USAGE);

    assertThat(raw.status()).isEqualTo(200);
    List<String> received = events(raw.body());
    assertThat(received).hasSameSizeAs(sent);
    assertThat(raw.body()).doesNotContain("\"error\"");
    assertThat(received.getLast()).isEqualTo("data: [DONE]\n\n");
    assertThat(usage.take(raw.requestId()).status()).isEqualTo(RequestStatus.COMPLETED);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "openai/chat_stream_text_include_usage.sse",
        "openai/chat_stream_text_include_usage_2026.sse",
        "openai/chat_stream_tool_call.sse",
        "openai/chat_stream_tool_call_2026.sse",
        "openai/chat_stream_parallel_tool_calls.sse"
      })
  void relaysRecordedStreamByteForByteAndMetersReportedUsage(String fixture) throws Exception {
    String recorded = Fixtures.read(fixture);
    UPSTREAM.script(sse(events(recorded), Duration.ZERO));

    Raw raw = post(STREAM_WITH_USAGE);

    assertThat(raw.status()).isEqualTo(200);
    assertThat(raw.contentType()).startsWith("text/event-stream");
    List<String> sent = events(recorded);
    List<String> received = events(raw.body());
    assertThat(received).hasSameSizeAs(sent);
    for (int i = 0; i < sent.size(); i++) {
      if (sent.get(i).contains("\"usage\":{")) {
        // the one event that is re-serialized: the usage gains the request's cost
        JsonNode withCost = Json.MAPPER.readTree(received.get(i).substring(6));
        assertThat(withCost.path("usage").path("cost").isNumber()).isTrue();
        ((tools.jackson.databind.node.ObjectNode) withCost.path("usage")).remove("cost");
        assertThat(withCost).isEqualTo(Json.MAPPER.readTree(sent.get(i).substring(6)));
      } else {
        assertThat(received.get(i)).isEqualTo(sent.get(i));
      }
    }
    JsonNode reported = usageOf(recorded);
    UsageRecord record = usage.take(raw.requestId());
    assertThat(record.status()).isEqualTo(RequestStatus.COMPLETED);
    assertThat(record.source()).isEqualTo(UsageSource.REPORTED);
    assertThat(record.promptTokens()).isEqualTo(reported.path("prompt_tokens").asLong());
    assertThat(record.completionTokens()).isEqualTo(reported.path("completion_tokens").asLong());
    assertThat(record.cachedPromptTokens())
        .isEqualTo(reported.path("prompt_tokens_details").path("cached_tokens").asLong(0));
    assertThat(record.model()).isEqualTo("fake-model");
    assertThat(record.provider()).isEqualTo("fake");
    assertThat(record.streamed()).isTrue();
    assertThat(record.timeToFirstToken()).isNotNull();
  }

  @Test
  void forwardsTheBodyWithUpstreamModelAndAUsageRequest() throws Exception {
    UPSTREAM.script(
        sse(events(Fixtures.read("openai/chat_stream_text_include_usage.sse")), Duration.ZERO));

    post(
        """
        {"model":"fake-model","stream":true,"temperature":0.2,"user":"u-1",
         "messages":[{"role":"user","content":"hi"}]}""");

    JsonNode sent = Json.MAPPER.readTree(UPSTREAM.takeBody());
    assertThat(sent.path("model").asString()).isEqualTo("upstream-model-x");
    assertThat(sent.path("stream_options").path("include_usage").asBoolean()).isTrue();
    assertThat(sent.path("temperature").asDouble()).isEqualTo(0.2);
    assertThat(sent.path("user").asString()).isEqualTo("u-1");
    assertThat(sent.path("messages").get(0).path("content").asString()).isEqualTo("hi");
  }

  @Test
  void stripsTheUsageChunkWhenTheClientDidNotAskForIt() throws Exception {
    String recorded = Fixtures.read("openai/chat_stream_text_include_usage.sse");
    UPSTREAM.script(sse(events(recorded), Duration.ZERO));

    Raw raw = post(STREAM);

    List<String> expected =
        events(recorded).stream().filter(e -> !e.contains("\"choices\":[]")).toList();
    assertThat(expected).hasSize(events(recorded).size() - 1);
    assertThat(raw.body()).isEqualTo(String.join("", expected));
    UsageRecord record = usage.take(raw.requestId());
    assertThat(record.source()).isEqualTo(UsageSource.REPORTED);
    assertThat(record.completionTokens()).isEqualTo(30);
  }

  @Test
  void countsLocallyWhenTheUpstreamNeverReportsUsage() throws Exception {
    String recorded = Fixtures.read("openai/chat_stream_text_include_usage.sse");
    List<String> withoutUsage =
        events(recorded).stream().filter(e -> !e.contains("\"usage\"")).toList();
    UPSTREAM.script(sse(withoutUsage, Duration.ZERO));

    Raw raw = post(STREAM);

    assertThat(raw.body()).isEqualTo(String.join("", withoutUsage));
    UsageRecord record = usage.take(raw.requestId());
    assertThat(record.status()).isEqualTo(RequestStatus.COMPLETED);
    assertThat(record.source()).isEqualTo(UsageSource.ESTIMATED);
    TokenEstimator estimator = TokenEstimator.shared();
    long expected =
        withoutUsage.stream()
            .filter(e -> e.startsWith("data: {"))
            .map(e -> Json.MAPPER.readTree(e.substring(6)))
            .mapToLong(
                chunk ->
                    estimator.count(
                        chunk.path("choices").path(0).path("delta").path("content").asString("")))
            .sum();
    assertThat(record.completionTokens()).isEqualTo(expected).isPositive();
    assertThat(record.promptTokens())
        .isEqualTo(estimator.countPrompt(Json.MAPPER.readTree(STREAM)));
  }

  @Test
  void passesAnUpstreamErrorBeforeTheFirstEventThroughWithItsStatusAndCostsNothing()
      throws Exception {
    String error = Fixtures.read("openai/error_400_unsupported_value.json");
    UPSTREAM.script(json(400, error));

    Raw raw = post(STREAM);

    assertThat(raw.status()).isEqualTo(400);
    assertThat(raw.contentType()).startsWith("application/json");
    JsonNode body = Json.MAPPER.readTree(raw.body()).path("error");
    assertThat(body.path("type").asString()).isEqualTo("invalid_request_error");
    assertThat(body.path("code").asString()).isEqualTo("unsupported_value");
    assertThat(body.path("param").asString()).isEqualTo("messages[0].role");
    assertThat(body.path("message").asString()).startsWith("Unsupported value");
    UsageRecord record = usage.take(raw.requestId());
    assertThat(record.status()).isEqualTo(RequestStatus.UPSTREAM_ERROR);
    assertThat(record.totalTokens()).isZero();
  }

  @Test
  void anUpstreamRateLimitIsRetriedThenA502QuotingIt() throws Exception {
    UPSTREAM.script(
        json(
            429,
            """
            {"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"""));

    Raw raw = post(STREAM);

    // the gateway's own 429 means the client's key is limited; the upstream's is the gateway's
    // problem: tried again (max-attempts), then a 502 that says what the upstream answered
    assertThat(raw.status()).isEqualTo(502);
    JsonNode error = Json.MAPPER.readTree(raw.body()).path("error");
    assertThat(error.path("code").asString()).isEqualTo("upstream_unavailable");
    assertThat(error.path("message").asString())
        .isEqualTo(
            "Every deployment of model 'fake-model' failed (2 attempts); the last answered"
                + " HTTP 429: Rate limit reached");
    assertThat(UPSTREAM.pendingRequests()).isEqualTo(2);
  }

  @Test
  void aSlowFirstByteTimesOutWith504AndCostsNothing() throws Exception {
    UPSTREAM.script(
        FakeUpstream.delayed(
            Duration.ofSeconds(3),
            sse(
                events(Fixtures.read("openai/chat_stream_text_include_usage.sse")),
                Duration.ZERO)));

    Raw raw = post(STREAM);

    assertThat(raw.status()).isEqualTo(504);
    assertThat(Json.MAPPER.readTree(raw.body()).path("error").path("code").asString())
        .isEqualTo("upstream_timeout");
    UsageRecord record = usage.take(raw.requestId());
    assertThat(record.status()).isEqualTo(RequestStatus.TIMEOUT);
    assertThat(record.totalTokens()).isZero();
  }

  @Test
  void anErrorEventAfterTheFirstChunkEndsTheStreamWithAnErrorEvent() throws Exception {
    List<String> recorded = events(Fixtures.read("openai/chat_stream_text_include_usage.sse"));
    List<String> script =
        List.of(
            recorded.get(0),
            recorded.get(1),
            "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n");
    UPSTREAM.script(sse(script, Duration.ZERO));

    Raw raw = post(STREAM);

    assertThat(raw.status()).isEqualTo(200);
    List<String> received = events(raw.body());
    assertThat(received.subList(0, 2)).isEqualTo(recorded.subList(0, 2));
    JsonNode error = Json.MAPPER.readTree(received.get(2).substring(6)).path("error");
    assertThat(error.path("message").asString()).isEqualTo("The server had an error");
    assertThat(error.path("type").asString()).isEqualTo("server_error");
    assertThat(received).hasSize(3);
    UsageRecord record = usage.take(raw.requestId());
    assertThat(record.status()).isEqualTo(RequestStatus.UPSTREAM_ERROR);
    assertThat(record.source()).isEqualTo(UsageSource.PARTIAL);
    assertThat(record.completionTokens()).isEqualTo(TokenEstimator.shared().count("I'm"));
  }

  @Test
  void aMalformedFirstEventIsA502() throws Exception {
    UPSTREAM.script(sse(List.of("data: {not json\n\n"), Duration.ZERO));

    Raw raw = post(STREAM);

    assertThat(raw.status()).isEqualTo(502);
    assertThat(Json.MAPPER.readTree(raw.body()).path("error").path("code").asString())
        .isEqualTo("upstream_protocol_error");
    assertThat(usage.take(raw.requestId()).totalTokens()).isZero();
  }

  @Test
  void aMalformedEventMidStreamEndsWithAnErrorEvent() throws Exception {
    List<String> recorded = events(Fixtures.read("openai/chat_stream_text_include_usage.sse"));
    UPSTREAM.script(
        sse(List.of(recorded.get(0), recorded.get(1), "data: {\"choices\":[\n\n"), Duration.ZERO));

    Raw raw = post(STREAM);

    List<String> received = events(raw.body());
    assertThat(received).hasSize(3);
    assertThat(
            Json.MAPPER
                .readTree(received.get(2).substring(6))
                .path("error")
                .path("code")
                .asString())
        .isEqualTo("upstream_protocol_error");
    assertThat(usage.take(raw.requestId()).status()).isEqualTo(RequestStatus.UPSTREAM_ERROR);
  }

  @Test
  void anUpstreamThatDropsTheConnectionMidStreamEndsWithAnErrorEventAndIsMetered()
      throws Exception {
    List<String> recorded = events(Fixtures.read("openai/chat_stream_text_include_usage.sse"));
    UPSTREAM.script(FakeUpstream.sseThenDrop(recorded.subList(0, 4)));

    Raw raw = post(STREAM);

    List<String> received = events(raw.body());
    assertThat(received.subList(0, 4)).isEqualTo(recorded.subList(0, 4));
    assertThat(received).hasSize(5);
    assertThat(
            Json.MAPPER
                .readTree(received.get(4).substring(6))
                .path("error")
                .path("type")
                .asString())
        .isEqualTo("upstream_error");
    UsageRecord record = usage.take(raw.requestId());
    assertThat(record.status()).isEqualTo(RequestStatus.UPSTREAM_ERROR);
    assertThat(record.source()).isEqualTo(UsageSource.PARTIAL);
    TokenEstimator estimator = TokenEstimator.shared();
    assertThat(record.completionTokens())
        .isEqualTo(estimator.count("I'm") + estimator.count(" unable") + estimator.count(" to"));
  }

  @Test
  void aStreamThatEndsWithoutFinishingIsAnUpstreamError() throws Exception {
    List<String> recorded = events(Fixtures.read("openai/chat_stream_text_include_usage.sse"));
    UPSTREAM.script(sse(recorded.subList(0, 3), Duration.ZERO));

    Raw raw = post(STREAM);

    List<String> received = events(raw.body());
    assertThat(received).hasSize(4);
    assertThat(received.get(3)).contains("before it finished");
    assertThat(usage.take(raw.requestId()).status()).isEqualTo(RequestStatus.UPSTREAM_ERROR);
  }

  @Test
  void anIdleGapLongerThanTheTimeoutEndsTheStream() throws Exception {
    List<String> recorded = events(Fixtures.read("openai/chat_stream_text_include_usage.sse"));
    UPSTREAM.script(
        (response, recorder) ->
            response
                .header("content-type", "text/event-stream")
                .sendString(
                    Flux.concat(
                        Mono.just(recorded.get(0)),
                        Mono.just(recorded.get(1)).delayElement(Duration.ofSeconds(2))))
                .then());

    Raw raw = post(STREAM);

    List<String> received = events(raw.body());
    assertThat(received).hasSize(2);
    assertThat(received.get(1)).contains("upstream_timeout");
    UsageRecord record = usage.take(raw.requestId());
    assertThat(record.status()).isEqualTo(RequestStatus.TIMEOUT);
    assertThat(record.source()).isEqualTo(UsageSource.PARTIAL);
  }

  private static JsonNode usageOf(String sse) {
    return events(sse).stream()
        .filter(e -> e.contains("\"usage\":{"))
        .map(e -> Json.MAPPER.readTree(e.substring(6)).path("usage"))
        .collect(Collectors.toList())
        .getLast();
  }
}
