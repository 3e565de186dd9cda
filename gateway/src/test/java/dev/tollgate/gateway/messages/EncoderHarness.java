package dev.tollgate.gateway.messages;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.openai.OpenAiStreamDecoder;
import dev.tollgate.adapter.tokens.TokenEstimator;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.gateway.billing.Tab;
import dev.tollgate.gateway.relay.RequestMeter;
import dev.tollgate.gateway.support.FakeUpstream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Runs OpenAI-dialect events through a {@link MessagesStreamEncoder} the way {@code StreamRelay}
 * does (meter first, then encode), with a tab that prices a token of input at 10 and of output at
 * 20 nano-units, and parses what comes out into Anthropic events.
 */
final class EncoderHarness {

  /** One Anthropic server-sent event: its {@code event:} name and its JSON data. */
  record Sse(String event, JsonNode data) {
    String type() {
      return data.path("type").asString();
    }
  }

  static final long PROMPT_ESTIMATE = 7;

  static final Tab TAB =
      new Tab() {
        @Override
        public Admission admit(long promptTokens, long completionTokens, long reasoningTokens) {
          return Admission.ADMIT;
        }

        @Override
        public long cost(TokenUsage usage) {
          return usage.promptTokens() * 10 + usage.completionTokens() * 20;
        }

        @Override
        public void settle(UsageRecord record) {}
      };

  final RequestMeter meter =
      new RequestMeter(
          new RequestMeter.Context(
              "req_0123", "key", "claude-x", "fake", PROMPT_ESTIMATE, true, Instant.now(), 0),
          TokenEstimator.shared(),
          TAB,
          record -> {});
  final MessagesStreamEncoder encoder =
      new MessagesStreamEncoder("msg_0123", "claude-x", TAB, meter);
  final StringBuilder out = new StringBuilder();

  /** Feeds every event of an OpenAI SSE text, then ends the stream. */
  List<Sse> run(String sse) {
    for (String event : FakeUpstream.events(sse)) {
      feed(event);
    }
    append(encoder.end());
    return parse(out.toString());
  }

  void feed(String rawEvent) {
    UpstreamEvent event = OpenAiStreamDecoder.decode(rawEvent.getBytes(StandardCharsets.UTF_8));
    if (meter.onEvent(event).block() == RequestMeter.REFUSED) {
      throw new AssertionError("the test tab admits everything");
    }
    append(encoder.encode(event));
  }

  void append(byte[] bytes) {
    if (bytes != null) {
      out.append(new String(bytes, StandardCharsets.UTF_8));
    }
  }

  /** Parses Anthropic SSE strictly: every event is {@code event: x\ndata: {json}\n\n}. */
  static List<Sse> parse(String text) {
    List<Sse> events = new ArrayList<>();
    if (!text.isEmpty() && !text.endsWith("\n\n")) {
      throw new AssertionError("the stream does not end with a blank line: " + text);
    }
    for (String block : text.split("\n\n")) {
      if (block.isEmpty()) {
        continue;
      }
      String[] lines = block.split("\n");
      if (lines.length != 2 || !lines[0].startsWith("event: ") || !lines[1].startsWith("data: ")) {
        throw new AssertionError("not an Anthropic event: " + block);
      }
      String name = lines[0].substring(7);
      JsonNode data = Json.MAPPER.readTree(lines[1].substring(6));
      if (!name.equals(data.path("type").asString())) {
        throw new AssertionError("event name and data type differ: " + block);
      }
      events.add(new Sse(name, data));
    }
    return events;
  }

  static List<String> types(List<Sse> events) {
    return events.stream().map(Sse::event).toList();
  }
}
