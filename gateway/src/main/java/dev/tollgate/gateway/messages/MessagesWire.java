package dev.tollgate.gateway.messages;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.gateway.relay.CutReason;
import dev.tollgate.gateway.relay.UsageCost;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** What the Messages encoders share: ids, stop reasons, usage and the SSE framing. */
final class MessagesWire {

  private MessagesWire() {}

  /** The message id for a gateway request id: {@code req_abc} is {@code msg_abc}. */
  static String messageId(String requestId) {
    return "msg_" + (requestId.startsWith("req_") ? requestId.substring(4) : requestId);
  }

  /** Anthropic's stop reason for an OpenAI finish reason. */
  static String stopReason(@Nullable String finishReason) {
    if (finishReason == null) {
      return "end_turn";
    }
    return switch (finishReason) {
      case "length" -> "max_tokens";
      case "tool_calls", "function_call" -> "tool_use";
      case "content_filter" -> "refusal";
      default -> "end_turn";
    };
  }

  /**
   * Anthropic's usage: {@code input_tokens} excludes what was read from the prompt cache ({@code
   * cache_read_input_tokens}); {@code cost} is the gateway's extra, as on the OpenAI path.
   */
  static ObjectNode usage(ObjectNode into, TokenUsage usage, long costNanos) {
    long cached = Math.min(usage.cachedPromptTokens(), usage.promptTokens());
    long written = Math.min(usage.cacheWriteTokens(), usage.promptTokens() - cached);
    into.put("input_tokens", usage.promptTokens() - cached - written);
    into.put("output_tokens", usage.completionTokens());
    into.put("cache_creation_input_tokens", written);
    into.put("cache_read_input_tokens", cached);
    into.put("cost", UsageCost.decimal(costNanos));
    return into;
  }

  /**
   * The {@code message_delta} that ends a stream the gateway ends itself (the translated stream's
   * end, or a cut-off on either path).
   *
   * @param note the {@code error_note} to add, null for none
   */
  static ObjectNode messageDelta(
      @Nullable String stopReason, TokenUsage usage, long costNanos, @Nullable ObjectNode note) {
    ObjectNode event = object("message_delta");
    ObjectNode delta = event.putObject("delta");
    delta.put("stop_reason", stopReason);
    delta.putNull("stop_sequence");
    usage(event.putObject("usage"), usage, costNanos);
    if (note != null) {
      event.set("error_note", note);
    }
    return event;
  }

  /** The note on a stream the gateway stopped because the account's funds ran out. */
  static ObjectNode cutOffNote(CutReason reason) {
    return Json.MAPPER
        .createObjectNode()
        .put("type", reason.type())
        .put("message", reason.message());
  }

  /** The text of an OpenAI reasoning field ({@code reasoning_content} or {@code reasoning}). */
  static @Nullable String reasoning(JsonNode message) {
    JsonNode reasoning = message.get("reasoning_content");
    if (reasoning == null || !reasoning.isString()) {
      reasoning = message.get("reasoning");
    }
    return reasoning != null && reasoning.isString() && !reasoning.asString().isEmpty()
        ? reasoning.asString()
        : null;
  }

  /** One server-sent event, {@code event: <type>} then its JSON, appended to {@code out}. */
  static void event(ByteArrayOutputStream out, ObjectNode data) {
    out.writeBytes("event: ".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(data.get("type").asString().getBytes(StandardCharsets.US_ASCII));
    out.writeBytes("\ndata: ".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(Json.MAPPER.writeValueAsBytes(data));
    out.write('\n');
    out.write('\n');
  }

  static ObjectNode object(String type) {
    return Json.MAPPER.createObjectNode().put("type", type);
  }
}
