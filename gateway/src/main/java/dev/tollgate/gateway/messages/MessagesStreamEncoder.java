package dev.tollgate.gateway.messages;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.sse.SseEvent;
import dev.tollgate.gateway.billing.Tab;
import dev.tollgate.gateway.error.AnthropicErrors;
import dev.tollgate.gateway.relay.CutReason;
import dev.tollgate.gateway.relay.RequestMeter;
import dev.tollgate.gateway.relay.StreamEncoder;
import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Translates one OpenAI chat-completions stream into Anthropic's Messages stream: {@code
 * message_start} with the first event; a content block per run of text ({@code text_delta}),
 * reasoning ({@code thinking_delta}) or tool call ({@code input_json_delta} with the argument
 * fragments), each closed by {@code content_block_stop} when the next begins; then, at the end of
 * the upstream's stream (its usage chunk has arrived by then), {@code message_delta} with the stop
 * reason and the billed usage, and {@code message_stop}. A cut-off ends the same way with {@code
 * stop_reason: "max_tokens"} and a note; a failure with an {@code event: error}. Keep-alives are
 * {@code ping} events. Only the first choice is read.
 */
final class MessagesStreamEncoder implements StreamEncoder {

  private enum Block {
    NONE,
    TEXT,
    THINKING,
    TOOL
  }

  private final String messageId;
  private final String model;
  private final Tab tab;
  private final RequestMeter meter;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
  private final Map<Integer, Integer> toolBlocks = new HashMap<>();
  private boolean started;
  private boolean finished;
  private Block open = Block.NONE;
  private int openIndex = -1;
  private int nextIndex;
  private @Nullable String finishReason;

  /**
   * @param model the model id the client asked for
   * @param meter the request's meter: the usage so far, for {@code message_start} and the end
   */
  MessagesStreamEncoder(String messageId, String model, Tab tab, RequestMeter meter) {
    this.messageId = Objects.requireNonNull(messageId, "messageId");
    this.model = Objects.requireNonNull(model, "model");
    this.tab = Objects.requireNonNull(tab, "tab");
    this.meter = Objects.requireNonNull(meter, "meter");
  }

  @Override
  public byte @Nullable [] encode(UpstreamEvent event) {
    if (finished) {
      return null;
    }
    switch (event.kind()) {
      case COMMENT -> {
        start();
        MessagesWire.event(out, MessagesWire.object("ping"));
      }
      case DONE -> finish(null);
      case CHUNK, USAGE_ONLY -> chunk(event.bytes());
      case NATIVE ->
          throw new IllegalStateException("native events are MessagesPassThroughEncoder's");
    }
    return flush();
  }

  @Override
  public byte @Nullable [] end() {
    if (finished) {
      return null;
    }
    finish(null);
    return flush();
  }

  @Override
  public byte[] cutOff(CutReason reason) {
    if (!finished) {
      finishReason = "length";
      finish(MessagesWire.cutOffNote(reason));
    }
    byte[] bytes = flush();
    return bytes == null ? new byte[0] : bytes;
  }

  @Override
  public byte[] error(UpstreamException failure) {
    if (!finished) {
      // What the failed request is charged, in message_delta's usage (no stop reason: the message
      // did not stop), then the error.
      start();
      close();
      RequestMeter.Billed billed = meter.billed(meter.statusNow());
      MessagesWire.event(out, MessagesWire.messageDelta(null, billed.usage(), billed.cost(), null));
      finished = true;
    }
    out.writeBytes(AnthropicErrors.event(failure.status(), failure.getMessage()));
    byte[] bytes = flush();
    return bytes == null ? new byte[0] : bytes;
  }

  private void chunk(byte[] event) {
    byte[] data = SseEvent.data(event);
    if (data == null) {
      return;
    }
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(data);
    } catch (JacksonException e) {
      return; // the decoder refused anything that is not JSON already
    }
    start();
    JsonNode choice = root.path("choices").path(0);
    if (choice.isMissingNode()) {
      return; // the usage chunk: its usage is the meter's
    }
    JsonNode delta = choice.path("delta");
    String reasoning = MessagesWire.reasoning(delta);
    if (reasoning != null) {
      thinking(reasoning);
    }
    JsonNode content = delta.get("content");
    if (content != null && content.isString()) {
      text(content.asString());
    } else if (content != null && content.isArray()) {
      for (JsonNode part : content) { // Mistral: [{"type":"thinking",...},{"type":"text",...}]
        if ("thinking".equals(part.path("type").asString(""))) {
          thinking(collectText(part.path("thinking"), new StringBuilder()).toString());
        } else if (part.path("text").isString()) {
          text(part.get("text").asString());
        }
      }
    }
    JsonNode calls = delta.path("tool_calls");
    for (int i = 0; i < calls.size(); i++) {
      toolCall(calls.get(i), i);
    }
    JsonNode reason = choice.get("finish_reason");
    if (reason != null && reason.isString()) {
      finishReason = reason.asString();
      close();
    }
  }

  private void text(String text) {
    if (text.isEmpty()) {
      return;
    }
    if (open != Block.TEXT) {
      open(Block.TEXT, MessagesWire.object("text").put("text", ""));
    }
    delta(openIndex, MessagesWire.object("text_delta").put("text", text));
  }

  private void thinking(String thinking) {
    if (thinking.isEmpty()) {
      return;
    }
    if (open != Block.THINKING) {
      open(
          Block.THINKING, MessagesWire.object("thinking").put("thinking", "").put("signature", ""));
    }
    delta(openIndex, MessagesWire.object("thinking_delta").put("thinking", thinking));
  }

  private void toolCall(JsonNode call, int position) {
    int key = call.path("index").isIntegralNumber() ? call.get("index").asInt() : position;
    JsonNode function = call.path("function");
    Integer index = toolBlocks.get(key);
    if (index == null) {
      ObjectNode block = MessagesWire.object("tool_use");
      block.put("id", call.path("id").asString(""));
      block.put("name", function.path("name").asString(""));
      block.putObject("input");
      open(Block.TOOL, block);
      index = openIndex;
      toolBlocks.put(key, index);
    }
    String arguments = function.path("arguments").asString("");
    if (!arguments.isEmpty()) {
      delta(index, MessagesWire.object("input_json_delta").put("partial_json", arguments));
    }
  }

  private void start() {
    if (started) {
      return;
    }
    started = true;
    ObjectNode message = MessagesWire.object("message");
    message.put("id", messageId);
    message.put("role", "assistant");
    message.put("model", model);
    message.putArray("content");
    message.putNull("stop_reason");
    message.putNull("stop_sequence");
    message
        .putObject("usage")
        .put("input_tokens", meter.usageSoFar().promptTokens())
        .put("output_tokens", 0);
    ObjectNode event = MessagesWire.object("message_start");
    event.set("message", message);
    MessagesWire.event(out, event);
  }

  private void open(Block kind, ObjectNode block) {
    close();
    open = kind;
    openIndex = nextIndex++;
    ObjectNode event = MessagesWire.object("content_block_start").put("index", openIndex);
    event.set("content_block", block);
    MessagesWire.event(out, event);
  }

  private void delta(int index, ObjectNode delta) {
    ObjectNode event = MessagesWire.object("content_block_delta").put("index", index);
    event.set("delta", delta);
    MessagesWire.event(out, event);
  }

  private void close() {
    if (open == Block.NONE) {
      return;
    }
    MessagesWire.event(out, MessagesWire.object("content_block_stop").put("index", openIndex));
    open = Block.NONE;
  }

  private void finish(@Nullable ObjectNode note) {
    start();
    close();
    RequestMeter.Billed billed = meter.billed(meter.statusNow());
    MessagesWire.event(
        out,
        MessagesWire.messageDelta(
            MessagesWire.stopReason(finishReason), billed.usage(), billed.cost(), note));
    MessagesWire.event(out, MessagesWire.object("message_stop"));
    finished = true;
  }

  private byte @Nullable [] flush() {
    if (out.size() == 0) {
      return null;
    }
    byte[] bytes = out.toByteArray();
    out.reset();
    return bytes;
  }

  /** Every string under a {@code text} field, or the node itself when it is a string. */
  private static StringBuilder collectText(JsonNode node, StringBuilder into) {
    if (node.isString()) {
      return into.append(node.asString());
    }
    for (JsonNode child : node) {
      if (child.path("text").isString()) {
        into.append(child.get("text").asString());
      } else if (child.isContainer()) {
        collectText(child, into);
      }
    }
    return into;
  }
}
