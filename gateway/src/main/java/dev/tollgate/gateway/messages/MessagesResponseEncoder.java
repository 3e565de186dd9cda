package dev.tollgate.gateway.messages;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.TokenUsage;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes a whole OpenAI {@code chat.completion} as an Anthropic {@code message}: reasoning as a
 * {@code thinking} block, the text as a {@code text} block, each tool call as a {@code tool_use}
 * block with its arguments parsed into {@code input}; the finish reason as {@code stop_reason}; the
 * billed usage and its cost.
 */
final class MessagesResponseEncoder {

  private MessagesResponseEncoder() {}

  /**
   * @param model the model id the client asked for
   * @param usage the usage billed for the request
   */
  static byte[] encode(
      byte[] completion, String messageId, String model, TokenUsage usage, long costNanos) {
    JsonNode root = Json.MAPPER.readTree(completion);
    JsonNode choice = root.path("choices").path(0);
    JsonNode message = choice.path("message");
    ObjectNode out = MessagesWire.object("message");
    out.put("id", messageId);
    out.put("role", "assistant");
    out.put("model", model);
    ArrayNode content = out.putArray("content");
    String reasoning = MessagesWire.reasoning(message);
    if (reasoning != null) {
      content.addObject().put("type", "thinking").put("thinking", reasoning).put("signature", "");
    }
    String text = text(message.get("content"));
    if (!text.isEmpty()) {
      content.addObject().put("type", "text").put("text", text);
    }
    for (JsonNode call : message.path("tool_calls")) {
      JsonNode function = call.path("function");
      ObjectNode block = content.addObject().put("type", "tool_use");
      block.put("id", call.path("id").asString(""));
      block.put("name", function.path("name").asString(""));
      block.set("input", input(function.path("arguments").asString("")));
    }
    out.put("stop_reason", MessagesWire.stopReason(finishReason(choice)));
    out.putNull("stop_sequence");
    MessagesWire.usage(out.putObject("usage"), usage, costNanos);
    return Json.MAPPER.writeValueAsBytes(out);
  }

  private static @Nullable String finishReason(JsonNode choice) {
    JsonNode reason = choice.get("finish_reason");
    return reason != null && reason.isString() ? reason.asString() : null;
  }

  /** String content, or the text parts of structured content. */
  private static String text(@Nullable JsonNode content) {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isString()) {
      return content.asString();
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode part : content) {
      if ("text".equals(part.path("type").asString("")) && part.path("text").isString()) {
        text.append(part.get("text").asString());
      }
    }
    return text.toString();
  }

  /** Tool arguments as an object; arguments that are not a JSON object become {@code {}}. */
  static ObjectNode input(String arguments) {
    if (!arguments.isBlank()) {
      try {
        if (Json.MAPPER.readTree(arguments) instanceof ObjectNode object) {
          return object;
        }
      } catch (JacksonException e) {
        // truncated or malformed arguments (finish_reason "length"): nothing usable
      }
    }
    return Json.MAPPER.createObjectNode();
  }
}
