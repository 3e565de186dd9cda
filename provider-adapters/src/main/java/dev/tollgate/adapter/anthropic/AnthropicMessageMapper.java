package dev.tollgate.adapter.anthropic;

import static dev.tollgate.adapter.anthropic.Rejections.describe;
import static dev.tollgate.adapter.anthropic.Rejections.invalid;
import static dev.tollgate.adapter.anthropic.Rejections.string;
import static dev.tollgate.adapter.anthropic.Rejections.unsupported;

import dev.tollgate.adapter.Json;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Translates OpenAI {@code messages} to Anthropic's {@code system} and {@code messages}. System and
 * developer messages, wherever they stand, become the system prompt (Anthropic has no other place
 * for them). Tool results become {@code tool_result} blocks of a user turn, and consecutive turns
 * of one role are merged into one, so tool results and the user's next words share a turn.
 */
final class AnthropicMessageMapper {

  private AnthropicMessageMapper() {}

  /** Writes {@code system} (when there is one) and {@code messages} into {@code out}. */
  static void map(JsonNode messages, ObjectNode out) {
    if (!messages.isArray() || messages.isEmpty()) {
      throw invalid(
          "messages", "messages: " + describe(messages) + " (expected: a non-empty array)");
    }
    List<String> system = new ArrayList<>();
    ArrayNode turns = Json.MAPPER.createArrayNode();
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      String at = "messages[" + i + "]";
      String role = string(message.path("role"));
      switch (role == null ? "" : role) {
        case "system", "developer" -> system.addAll(texts(message.path("content"), at));
        case "user" -> append(turns, "user", userBlocks(message.path("content"), at));
        case "assistant" -> append(turns, "assistant", assistantBlocks(message, at));
        case "tool" -> append(turns, "user", List.of(toolResult(message, at)));
        default ->
            throw unsupported(
                at + ".role",
                at
                    + ".role: "
                    + describe(message.path("role"))
                    + " (expected: system, developer, user, assistant or tool)");
      }
    }
    if (system.size() == 1) {
      out.put("system", system.getFirst());
    } else if (!system.isEmpty()) {
      ArrayNode blocks = out.putArray("system");
      system.forEach(text -> blocks.addObject().put("type", "text").put("text", text));
    }
    out.set("messages", turns);
  }

  private static void append(ArrayNode turns, String role, List<ObjectNode> blocks) {
    if (blocks.isEmpty()) {
      return; // Anthropic rejects empty turns; an empty message adds nothing to a conversation
    }
    JsonNode last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
    ArrayNode content;
    if (last != null && role.equals(last.path("role").asString(""))) {
      content = (ArrayNode) last.get("content");
    } else {
      ObjectNode turn = turns.addObject().put("role", role);
      content = turn.putArray("content");
    }
    content.addAll(blocks);
  }

  /** Text of string or text-part content; empty strings are left out. */
  private static List<String> texts(JsonNode content, String at) {
    if (content.isString()) {
      return content.asString().isEmpty() ? List.of() : List.of(content.asString());
    }
    if (content.isNull() || content.isMissingNode()) {
      return List.of();
    }
    if (!content.isArray()) {
      throw invalid(at + ".content", at + ".content: " + describe(content) + " (expected: text)");
    }
    List<String> texts = new ArrayList<>();
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      String type = string(part.path("type"));
      String text =
          "refusal".equals(type) ? string(part.path("refusal")) : string(part.path("text"));
      if (!("text".equals(type) || "refusal".equals(type)) || text == null) {
        String param = at + ".content[" + j + "].type";
        throw unsupported(
            param, param + ": " + describe(part.path("type")) + " (expected: text here)");
      }
      if (!text.isEmpty()) {
        texts.add(text);
      }
    }
    return texts;
  }

  private static List<ObjectNode> textBlocks(List<String> texts) {
    List<ObjectNode> blocks = new ArrayList<>(texts.size());
    texts.forEach(
        t -> blocks.add(Json.MAPPER.createObjectNode().put("type", "text").put("text", t)));
    return blocks;
  }

  private static List<ObjectNode> userBlocks(JsonNode content, String at) {
    if (!content.isArray()) {
      if (!content.isString()) {
        throw invalid(
            at + ".content", at + ".content: " + describe(content) + " (expected: text or parts)");
      }
      return textBlocks(texts(content, at));
    }
    List<ObjectNode> blocks = new ArrayList<>(content.size());
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      String param = at + ".content[" + j + "]";
      String type = string(part.path("type"));
      if ("image_url".equals(type)) {
        blocks.add(AnthropicImages.toBlock(part.path("image_url"), param + ".image_url"));
      } else if ("text".equals(type) && part.path("text").isString()) {
        if (!part.path("text").asString().isEmpty()) {
          blocks.add(
              Json.MAPPER
                  .createObjectNode()
                  .put("type", "text")
                  .put("text", part.get("text").asString()));
        }
      } else {
        throw unsupported(
            param + ".type",
            param + ".type: " + describe(part.path("type")) + " (expected: text or image_url)");
      }
    }
    return blocks;
  }

  private static List<ObjectNode> assistantBlocks(JsonNode message, String at) {
    if (message.hasNonNull("function_call")) {
      throw unsupported(at + ".function_call", at + ".function_call: use tool_calls instead");
    }
    List<ObjectNode> blocks = textBlocks(texts(message.path("content"), at));
    JsonNode calls = message.path("tool_calls");
    for (int j = 0; j < calls.size(); j++) {
      JsonNode call = calls.get(j);
      String param = at + ".tool_calls[" + j + "]";
      String id = string(call.path("id"));
      String name = string(call.path("function").path("name"));
      if (id == null || name == null) {
        throw invalid(param, param + ": missing id or function.name (expected: both strings)");
      }
      ObjectNode block = Json.MAPPER.createObjectNode().put("type", "tool_use").put("id", id);
      block.put("name", name);
      block.set("input", arguments(call.path("function").path("arguments"), param));
      blocks.add(block);
    }
    return blocks;
  }

  /** OpenAI sends tool arguments as a JSON string; Anthropic wants the object. */
  private static JsonNode arguments(JsonNode arguments, String param) {
    String json = string(arguments);
    if (json == null || json.isBlank()) {
      return Json.MAPPER.createObjectNode();
    }
    JsonNode parsed;
    try {
      parsed = Json.MAPPER.readTree(json);
    } catch (JacksonException e) {
      parsed = null;
    }
    if (parsed == null || !parsed.isObject()) {
      throw invalid(
          param + ".function.arguments",
          param + ".function.arguments: not a JSON object (expected: the arguments as JSON)");
    }
    return parsed;
  }

  private static ObjectNode toolResult(JsonNode message, String at) {
    String id = string(message.path("tool_call_id"));
    if (id == null) {
      throw invalid(at + ".tool_call_id", at + ".tool_call_id: missing (expected: a string)");
    }
    ObjectNode block = Json.MAPPER.createObjectNode().put("type", "tool_result");
    block.put("tool_use_id", id);
    JsonNode content = message.path("content");
    if (content.isArray()) {
      List<String> texts = texts(content, at);
      if (!texts.isEmpty()) {
        ArrayNode parts = block.putArray("content");
        texts.forEach(t -> parts.addObject().put("type", "text").put("text", t));
      }
    } else {
      List<String> texts = texts(content, at);
      if (!texts.isEmpty()) {
        block.put("content", texts.getFirst());
      }
    }
    return block;
  }
}
