package dev.tollgate.adapter.anthropic;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.anthropic.AnthropicWire.Usage;
import dev.tollgate.adapter.internal.EventDecoder;
import dev.tollgate.adapter.sse.SseEvent;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads the metering facts of an Anthropic Messages stream that is relayed as it came: each raw
 * event becomes one {@link Kind#NATIVE} event with the event's own bytes, plus the generated text
 * (text, tool names and arguments), the thinking, and, on {@code message_delta}, the usage and the
 * finish reason. The usage is reported there only, when Anthropic's counts are final: the input
 * counts of {@code message_start} merged with the output of {@code message_delta} (prompt = input +
 * cache reads + cache writes, cached = cache reads; see {@link Usage#toTokenUsage()}).
 *
 * <p>An {@code error} event fails the stream as the translating {@link AnthropicStreamDecoder}
 * does, and so does a stream that ends before {@code message_stop}; anything after {@code
 * message_stop} is dropped. One instance per stream; not thread-safe.
 */
final class AnthropicNativeScanner implements EventDecoder {

  private Usage usage = Usage.NONE;
  private boolean started;
  private boolean stopped;

  @Override
  public List<UpstreamEvent> decode(byte[] event) {
    if (stopped) {
      return List.of();
    }
    int[] range = SseEvent.dataRange(event);
    byte[] data = range != null ? event : SseEvent.data(event);
    if (data == null) {
      return List.of(UpstreamEvent.of(event, Kind.NATIVE)); // a comment: relayed as it came
    }
    @Nullable JsonNode node;
    try {
      node =
          range != null
              ? Json.MAPPER.readTree(data, range[0], range[1])
              : Json.MAPPER.readTree(data);
    } catch (JacksonException e) {
      throw UpstreamException.protocol("upstream sent an event that is not valid JSON", e);
    }
    if (node == null || node.isMissingNode()) {
      return List.of(UpstreamEvent.of(event, Kind.NATIVE));
    }
    String type = node.path("type").asString("");
    switch (type) {
      case "error" -> throw AnthropicErrorMapper.inStream(node);
      case "ping" -> {
        return List.of(UpstreamEvent.of(event, Kind.NATIVE));
      }
      case "message_start" -> {
        if (started) {
          throw UpstreamException.protocol("upstream sent a second message_start", null);
        }
        started = true;
        usage = usage.merge(node.path("message").path("usage"));
        return List.of(UpstreamEvent.of(event, Kind.NATIVE));
      }
      default -> {
        if (!started) {
          throw UpstreamException.protocol("upstream sent an event before message_start", null);
        }
      }
    }
    return List.of(
        switch (type) {
          case "content_block_start" -> generated(event, node.path("content_block"));
          case "content_block_delta" -> generated(event, node.path("delta"));
          case "message_delta" -> messageDelta(event, node);
          case "message_stop" -> {
            stopped = true;
            yield UpstreamEvent.of(event, Kind.NATIVE);
          }
          default -> UpstreamEvent.of(event, Kind.NATIVE); // block stops, types added later
        });
  }

  @Override
  public List<UpstreamEvent> finish() {
    if (!stopped) {
      throw UpstreamException.protocol("upstream closed the stream before it finished", null);
    }
    return List.of();
  }

  /**
   * After {@code message_stop} the message is complete: a failure while the upstream closes the
   * response ends the stream quietly.
   */
  @Override
  public boolean ended() {
    return stopped;
  }

  /** A block start or delta: what it generated, counted as the translating decoder counts it. */
  private static UpstreamEvent generated(byte[] event, JsonNode part) {
    String text = null;
    String reasoning = null;
    switch (part.path("type").asString("")) {
      case "text", "text_delta" -> text = part.path("text").asString("");
      case "tool_use" -> text = part.path("name").asString("");
      case "input_json_delta" -> text = part.path("partial_json").asString("");
      case "thinking", "thinking_delta" -> reasoning = part.path("thinking").asString("");
      default -> {
        // signatures, citations, redacted thinking, server tool blocks: nothing to count
      }
    }
    return new UpstreamEvent(
        event, Kind.NATIVE, emptyToNull(text), emptyToNull(reasoning), null, null);
  }

  private UpstreamEvent messageDelta(byte[] event, JsonNode node) {
    usage = usage.merge(node.path("usage")); // cumulative counts: the latest are the totals
    JsonNode reason = node.path("delta").path("stop_reason");
    TokenUsage tokens = usage.toTokenUsage();
    String finish = AnthropicWire.finishReason(reason.isString() ? reason.asString() : null);
    return new UpstreamEvent(event, Kind.NATIVE, null, null, tokens, finish);
  }

  private static @Nullable String emptyToNull(@Nullable String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
