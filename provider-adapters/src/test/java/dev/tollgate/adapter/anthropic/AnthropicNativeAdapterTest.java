package dev.tollgate.adapter.anthropic;

import static dev.tollgate.adapter.anthropic.FakeAnthropicUpstream.json;
import static dev.tollgate.adapter.anthropic.FakeAnthropicUpstream.sse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.NativeMessagesCall;
import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.ProviderSpec.Timeouts;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.adapter.anthropic.FakeAnthropicUpstream.Received;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@link AnthropicAdapter}'s pass-through calls over real HTTP: the client's request goes up with
 * only the model renamed, the answer comes back as the upstream sent it, errors as on the
 * translated calls.
 */
class AnthropicNativeAdapterTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String REQUEST =
      """
      {"model":"claude","max_tokens":1024,"stream":true,"top_k":3,
       "system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],
       "messages":[{"role":"user","content":[{"type":"document","source":{"type":"text",
         "media_type":"text/plain","data":"A memo."}},{"type":"text","text":"Summarise."}]}]}""";

  private static FakeAnthropicUpstream upstream;
  private static AnthropicAdapter adapter;

  @BeforeAll
  static void start() {
    upstream = new FakeAnthropicUpstream();
    adapter = adapter(Duration.ofSeconds(5));
  }

  private static AnthropicAdapter adapter(Duration idle) {
    return new AnthropicAdapter(
        new ProviderSpec(
            "anthropic-native-test",
            "anthropic",
            URI.create(upstream.baseUrl()),
            "sk-ant-native",
            new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), idle),
            4,
            Map.of()),
        Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    upstream.close();
  }

  @BeforeEach
  void drain() throws InterruptedException {
    while (upstream.pending() > 0) {
      upstream.take();
    }
  }

  private static NativeMessagesCall call(boolean stream) {
    ObjectNode body = (ObjectNode) Json.MAPPER.readTree(REQUEST);
    if (!stream) {
      body.remove("stream");
    }
    return new NativeMessagesCall("req_1", body, "claude-upstream-9");
  }

  private static JsonNode expectedUpstreamBody(boolean stream) {
    ObjectNode body = (ObjectNode) Json.MAPPER.readTree(REQUEST);
    body.put("model", "claude-upstream-9");
    if (!stream) {
      body.remove("stream");
    }
    return body;
  }

  @Test
  void aStreamComesBackByteForByteAndTheRequestGoesUpAsItCame() throws InterruptedException {
    byte[] fixture = Fixtures.bytes("anthropic/messages_stream_text_then_tool_use.sse");
    upstream.script(sse(fixture, 7));

    List<UpstreamEvent> events = adapter.streamNative(call(true)).collectList().block(WAIT);

    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    events.forEach(e -> joined.writeBytes(e.bytes()));
    String text = new String(fixture, java.nio.charset.StandardCharsets.UTF_8);
    String expected = text.endsWith("\n\n") ? text : text.stripTrailing() + "\n\n";
    assertThat(joined.toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(expected);
    assertThat(events).allSatisfy(e -> assertThat(e.kind()).isEqualTo(Kind.NATIVE));
    assertThat(events.stream().filter(e -> e.usage() != null).map(UpstreamEvent::usage))
        .containsExactly(new TokenUsage(377, 65, 0, 0));

    Received request = upstream.take();
    assertThat(request.path()).isEqualTo("/v1/messages");
    assertThat(request.headers().get("x-api-key")).isEqualTo("sk-ant-native");
    assertThat(request.headers().get("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(Json.MAPPER.readTree(request.body())).isEqualTo(expectedUpstreamBody(true));
  }

  @Test
  void aWholeMessageIsTheUpstreamsBodyWithItsUsage() throws InterruptedException {
    byte[] message = Fixtures.bytes("anthropic/message.json");
    upstream.script(json(200, message));

    UpstreamResponse response = adapter.completeNative(call(false)).block(WAIT);

    assertThat(response.nativeDialect()).isTrue();
    assertThat(response.body()).isEqualTo(message);
    assertThat(response.usage()).isEqualTo(new TokenUsage(705, 25, 0, 0));
    assertThat(response.text()).startsWith("The weather in SF is currently");
    assertThat(Json.MAPPER.readTree(upstream.take().body())).isEqualTo(expectedUpstreamBody(false));
  }

  @Test
  void anErrorAnswerIsMappedAsForTranslatedCalls() {
    upstream.script(json(429, Fixtures.bytes("anthropic/error_429_rate_limit.json")));

    assertThatThrownBy(() -> adapter.completeNative(call(false)).block(WAIT))
        .isInstanceOfSatisfying(
            UpstreamException.class, e -> assertThat(e.status()).isEqualTo(429));
    assertThatThrownBy(() -> adapter.streamNative(call(true)).collectList().block(WAIT))
        .isInstanceOfSatisfying(
            UpstreamException.class, e -> assertThat(e.status()).isEqualTo(429));
  }

  /**
   * An upstream that sent {@code message_stop} and then stalled past the idle timeout used to fail
   * the relayed stream with a 504 after the client had the whole message; now it just ends.
   */
  @Test
  void anUpstreamThatStallsAfterMessageStopEndsTheStreamWithoutAnError() {
    byte[] fixture = Fixtures.bytes("anthropic/messages_stream_text.sse");
    upstream.script(FakeAnthropicUpstream.stallsAfter(fixture, Duration.ofSeconds(2)));

    List<UpstreamEvent> events =
        adapter(Duration.ofMillis(300)).streamNative(call(true)).collectList().block(WAIT);

    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    events.forEach(e -> joined.writeBytes(e.bytes()));
    assertThat(joined.toByteArray()).isEqualTo(fixture);
  }

  @Test
  void anErrorEventFailsTheStream() {
    upstream.script(sse(Fixtures.bytes("anthropic/stream_error_overloaded.sse"), 64));

    assertThatThrownBy(() -> adapter.streamNative(call(true)).collectList().block(WAIT))
        .isInstanceOfSatisfying(
            UpstreamException.class, e -> assertThat(e.status()).isEqualTo(503));
  }
}
