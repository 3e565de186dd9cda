package dev.tollgate.gateway.messages;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.sse.SseEvent;
import dev.tollgate.gateway.billing.Tab;
import dev.tollgate.gateway.error.AnthropicErrors;
import dev.tollgate.gateway.relay.CutReason;
import dev.tollgate.gateway.relay.RequestMeter;
import dev.tollgate.gateway.relay.StreamEncoder;
import dev.tollgate.gateway.relay.UsageCost;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Messages stream of an upstream that speaks it ({@link UpstreamEvent.Kind#NATIVE} events): its
 * bytes as they came. Only the {@code message_delta} that carries the final usage is rewritten,
 * once per request, to add the request's {@code usage.cost} as the translated stream has it.
 *
 * <p>A cut-off ends the stream as the translated one does: the open content block is closed, then
 * {@code message_delta} with {@code stop_reason: "max_tokens"}, the usage so far and a note, and
 * {@code message_stop}. To close the block, the encoder watches the events' {@code event:} lines
 * (Anthropic names every event there) without parsing their data. One instance per stream.
 */
final class MessagesPassThroughEncoder implements StreamEncoder {

  private static final byte[] BLOCK_START =
      "content_block_start".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] BLOCK_STOP = "content_block_stop".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] MESSAGE_STOP = "message_stop".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT = "event:".getBytes(StandardCharsets.US_ASCII);

  private final Tab tab;
  private final RequestMeter meter;
  private int blocks; // content blocks started: Anthropic numbers them 0, 1, ... in order
  private boolean blockOpen;
  private boolean stopped;

  /**
   * @param tab prices the usage
   * @param meter the request's meter: the usage so far, for a cut-off
   */
  MessagesPassThroughEncoder(Tab tab, RequestMeter meter) {
    this.tab = Objects.requireNonNull(tab, "tab");
    this.meter = Objects.requireNonNull(meter, "meter");
  }

  @Override
  public byte @Nullable [] encode(UpstreamEvent event) {
    byte[] bytes = event.bytes();
    watch(bytes);
    TokenUsage usage = event.usage();
    return usage == null ? bytes : withCost(bytes, tab.cost(usage));
  }

  @Override
  public byte @Nullable [] end() {
    return null; // the upstream's own message_stop went through
  }

  @Override
  public byte[] cutOff(CutReason reason) {
    if (stopped) {
      return new byte[0];
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    if (blockOpen) {
      MessagesWire.event(out, MessagesWire.object("content_block_stop").put("index", blocks - 1));
    }
    RequestMeter.Billed billed = meter.billed(meter.statusNow());
    MessagesWire.event(
        out,
        MessagesWire.messageDelta(
            "max_tokens", billed.usage(), billed.cost(), MessagesWire.cutOffNote(reason)));
    MessagesWire.event(out, MessagesWire.object("message_stop"));
    stopped = true;
    return out.toByteArray();
  }

  @Override
  public byte[] error(UpstreamException failure) {
    byte[] error = AnthropicErrors.event(failure.status(), failure.getMessage());
    if (stopped) {
      return error;
    }
    // What the failed request is charged, in message_delta's usage (no stop reason: the message
    // did not stop), then the error.
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    if (blockOpen) {
      MessagesWire.event(out, MessagesWire.object("content_block_stop").put("index", blocks - 1));
    }
    RequestMeter.Billed billed = meter.billed(meter.statusNow());
    MessagesWire.event(out, MessagesWire.messageDelta(null, billed.usage(), billed.cost(), null));
    out.writeBytes(error);
    stopped = true;
    return out.toByteArray();
  }

  /** Follows the blocks and the end through the {@code event:} lines of one or more events. */
  private void watch(byte[] bytes) {
    for (int at = 0; at < bytes.length; at = nextLine(bytes, at)) {
      if (!startsWith(bytes, at, EVENT)) {
        continue;
      }
      int name = at + EVENT.length;
      if (name < bytes.length && bytes[name] == ' ') {
        name++;
      }
      if (isName(bytes, name, BLOCK_START)) {
        blocks++;
        blockOpen = true;
      } else if (isName(bytes, name, BLOCK_STOP)) {
        blockOpen = false;
      } else if (isName(bytes, name, MESSAGE_STOP)) {
        stopped = true;
      }
    }
  }

  /** The event with {@code usage.cost} added; written as {@code event: <type>} and its data. */
  private static byte[] withCost(byte[] event, long costNanos) {
    byte[] data = SseEvent.data(event);
    if (data == null) {
      return event;
    }
    JsonNode root = Json.MAPPER.readTree(data);
    if (!(root instanceof ObjectNode object)
        || !(object.get("usage") instanceof ObjectNode usage)
        || !object.path("type").isString()) {
      return event;
    }
    usage.put("cost", UsageCost.decimal(costNanos));
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 64);
    MessagesWire.event(out, object);
    return out.toByteArray();
  }

  private static int nextLine(byte[] bytes, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        return i + 1;
      }
    }
    return bytes.length;
  }

  private static boolean startsWith(byte[] bytes, int at, byte[] prefix) {
    if (at + prefix.length > bytes.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[at + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** {@code name} at {@code at}, then the line's end. */
  private static boolean isName(byte[] bytes, int at, byte[] name) {
    if (!startsWith(bytes, at, name)) {
      return false;
    }
    int end = at + name.length;
    return end == bytes.length || bytes[end] == '\n' || bytes[end] == '\r';
  }
}
