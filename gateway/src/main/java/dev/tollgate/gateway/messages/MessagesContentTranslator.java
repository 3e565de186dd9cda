package dev.tollgate.gateway.messages;

import static dev.tollgate.gateway.messages.MessagesRequests.bad;

import dev.tollgate.adapter.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Translates the turns of an Anthropic Messages request into chat-completions messages: text and
 * images as content parts, {@code tool_use} blocks as the assistant's tool calls, {@code
 * tool_result} blocks as tool messages. Refuses (400) blocks without an equivalent (documents, file
 * images, images in tool results); drops the thinking blocks of earlier turns, which chat
 * completions cannot take.
 */
final class MessagesContentTranslator {

  private MessagesContentTranslator() {}

  /** A user turn: its tool results become tool messages first, the rest one user message. */
  static void user(JsonNode content, String at, ArrayNode messages) {
    if (content.isString()) {
      messages.addObject().put("role", "user").put("content", content.asString());
      return;
    }
    ArrayNode parts = Json.MAPPER.createArrayNode();
    for (int i = 0; i < content.size(); i++) {
      JsonNode block = content.get(i);
      String where = at + ".content." + i;
      switch (type(block, where)) {
        case "text" -> parts.add(textPart(block, where));
        case "image" -> parts.add(imagePart(block, where));
        case "tool_result" -> messages.add(toolMessage(block, where));
        default -> throw unsupported(block, where, "text, image or tool_result");
      }
    }
    if (!parts.isEmpty()) {
      ObjectNode message = messages.addObject().put("role", "user");
      if (parts.size() == 1 && parts.get(0).path("type").asString().equals("text")) {
        message.put("content", parts.get(0).get("text").asString());
      } else {
        message.set("content", parts);
      }
    }
  }

  /** An assistant turn: its text as content, its tool uses as tool calls; thinking is dropped. */
  static void assistant(JsonNode content, String at, ArrayNode messages) {
    ObjectNode message = messages.addObject().put("role", "assistant");
    if (content.isString()) {
      message.put("content", content.asString());
      return;
    }
    StringBuilder text = null;
    ArrayNode calls = null;
    for (int i = 0; i < content.size(); i++) {
      JsonNode block = content.get(i);
      String where = at + ".content." + i;
      switch (type(block, where)) {
        case "text" -> {
          String piece = textPart(block, where).get("text").asString();
          text = text == null ? new StringBuilder(piece) : text.append(piece);
        }
        case "tool_use" -> {
          if (calls == null) {
            calls = message.putArray("tool_calls");
          }
          calls.add(toolCall(block, where));
        }
        case "thinking", "redacted_thinking" -> {} // chat completions takes no reasoning input
        default -> throw unsupported(block, where, "text, tool_use or thinking");
      }
    }
    if (text != null) {
      message.put("content", text.toString());
    } else {
      message.putNull("content");
    }
  }

  private static ObjectNode textPart(JsonNode block, String where) {
    JsonNode text = block.get("text");
    if (text == null || !text.isString()) {
      throw bad(where, where + ".text: expected a string");
    }
    ObjectNode part = Json.MAPPER.createObjectNode();
    return part.put("type", "text").put("text", text.asString());
  }

  private static ObjectNode imagePart(JsonNode block, String where) {
    JsonNode source = block.path("source");
    String url =
        switch (source.path("type").asString("")) {
          case "base64" -> {
            String mediaType = source.path("media_type").asString("");
            String data = source.path("data").asString("");
            if (mediaType.isEmpty() || data.isEmpty()) {
              throw bad(where, where + ".source: expected media_type and data for base64");
            }
            yield "data:" + mediaType + ";base64," + data;
          }
          case "url" -> {
            String link = source.path("url").asString("");
            if (link.isEmpty()) {
              throw bad(where, where + ".source.url: expected a URL");
            }
            yield link;
          }
          default ->
              throw bad(
                  where,
                  where
                      + ".source.type: "
                      + source.get("type")
                      + " (expected: base64 or url; file sources are not supported)");
        };
    ObjectNode part = Json.MAPPER.createObjectNode().put("type", "image_url");
    part.putObject("image_url").put("url", url);
    return part;
  }

  private static ObjectNode toolMessage(JsonNode block, String where) {
    String id = block.path("tool_use_id").asString("");
    if (id.isEmpty()) {
      throw bad(where, where + ".tool_use_id: expected a non-empty string");
    }
    JsonNode content = block.get("content");
    String text;
    if (content == null || content.isNull()) {
      text = "";
    } else if (content.isString()) {
      text = content.asString();
    } else if (content.isArray()) {
      StringBuilder joined = new StringBuilder();
      for (int i = 0; i < content.size(); i++) {
        JsonNode part = content.get(i);
        if (!"text".equals(part.path("type").asString("")) || !part.path("text").isString()) {
          throw bad(
              where,
              where
                  + ".content."
                  + i
                  + ": expected a text block (tool results other than text are not supported)");
        }
        joined.append(part.get("text").asString());
      }
      text = joined.toString();
    } else {
      throw bad(where, where + ".content: expected a string or an array of text blocks");
    }
    ObjectNode message = Json.MAPPER.createObjectNode();
    return message.put("role", "tool").put("tool_call_id", id).put("content", text);
  }

  private static ObjectNode toolCall(JsonNode block, String where) {
    String id = block.path("id").asString("");
    String name = block.path("name").asString("");
    if (id.isEmpty() || name.isEmpty()) {
      throw bad(where, where + ": expected a tool_use block with id and name");
    }
    JsonNode input = block.get("input");
    ObjectNode call = Json.MAPPER.createObjectNode().put("id", id).put("type", "function");
    call.putObject("function")
        .put("name", name)
        .put("arguments", input == null || input.isNull() ? "{}" : input.toString());
    return call;
  }

  private static String type(JsonNode block, String where) {
    if (!block.isObject() || !block.path("type").isString()) {
      throw bad(where, where + ": expected a content block object with a string 'type'");
    }
    return block.get("type").asString();
  }

  private static RuntimeException unsupported(JsonNode block, String where, String expected) {
    return bad(where, where + ".type: " + block.get("type") + " (expected: " + expected + ")");
  }
}
