package dev.tollgate.gateway.messages;

import static dev.tollgate.gateway.messages.MessagesRequests.bad;

import dev.tollgate.adapter.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Translates a checked Anthropic Messages request ({@link MessagesRequests}) into an OpenAI
 * chat-completions body, which every adapter understands. Refuses (400) what has no
 * chat-completions equivalent rather than dropping it silently: documents, server tools, images in
 * tool results. Dropped on purpose, as docs/api-messages.md says: {@code top_k}, {@code metadata},
 * {@code cache_control}, thinking blocks of earlier turns.
 *
 * <p>Thinking: {@code budget_tokens} below 4096 is {@code reasoning_effort: "low"}, below 16384
 * {@code "medium"}, from 16384 {@code "high"}; the upstream decides what the effort means.
 */
final class MessagesRequestTranslator {

  static final long MEDIUM_EFFORT_BUDGET = 4096;
  static final long HIGH_EFFORT_BUDGET = 16384;

  private MessagesRequestTranslator() {}

  /** The chat-completions body for a request that {@link MessagesRequests#validate} accepted. */
  static ObjectNode translate(ObjectNode request) {
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.set("model", request.get("model"));
    ArrayNode messages = out.putArray("messages");
    system(request.get("system"), messages);
    JsonNode input = request.get("messages");
    for (int i = 0; i < input.size(); i++) {
      JsonNode message = input.get(i);
      String at = "messages." + i;
      if (message.path("role").asString().equals("assistant")) {
        assistant(message.get("content"), at, messages);
      } else {
        user(message.get("content"), at, messages);
      }
    }
    out.set("max_tokens", request.get("max_tokens"));
    if (request.path("stream").asBoolean(false)) {
      out.put("stream", true);
    }
    copyNumber(request, "temperature", out);
    copyNumber(request, "top_p", out);
    stopSequences(request.get("stop_sequences"), out);
    tools(request.get("tools"), out);
    toolChoice(request.get("tool_choice"), out);
    thinking(request.get("thinking"), out);
    return out;
  }

  private static void system(JsonNode system, ArrayNode messages) {
    if (system == null || system.isNull()) {
      return;
    }
    String text;
    if (system.isString()) {
      text = system.asString();
    } else if (system.isArray()) {
      StringBuilder joined = new StringBuilder();
      for (int i = 0; i < system.size(); i++) {
        JsonNode block = system.get(i);
        if (!"text".equals(block.path("type").asString("")) || !block.path("text").isString()) {
          throw bad("system", "system." + i + ": expected a text block {type: text, text}");
        }
        joined.append(joined.isEmpty() ? "" : "\n\n").append(block.get("text").asString());
      }
      text = joined.toString();
    } else {
      throw bad("system", "system: expected a string or an array of text blocks");
    }
    messages.addObject().put("role", "system").put("content", text);
  }

  /** A user turn: its tool results become tool messages first, the rest one user message. */
  private static void user(JsonNode content, String at, ArrayNode messages) {
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
  private static void assistant(JsonNode content, String at, ArrayNode messages) {
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

  private static void stopSequences(JsonNode stops, ObjectNode out) {
    if (stops == null || stops.isNull()) {
      return;
    }
    if (!stops.isArray()) {
      throw bad("stop_sequences", "stop_sequences: expected an array of strings");
    }
    ArrayNode stop = out.putArray("stop");
    for (JsonNode s : stops) {
      if (!s.isString()) {
        throw bad("stop_sequences", "stop_sequences: " + s + " (expected: a string)");
      }
      stop.add(s.asString());
    }
  }

  private static void tools(JsonNode tools, ObjectNode out) {
    if (tools == null || tools.isNull()) {
      return;
    }
    if (!tools.isArray()) {
      throw bad("tools", "tools: expected an array of tool definitions");
    }
    ArrayNode functions = out.putArray("tools");
    for (int i = 0; i < tools.size(); i++) {
      JsonNode tool = tools.get(i);
      String where = "tools." + i;
      String type = tool.path("type").asString("custom");
      if (!type.equals("custom")) {
        throw bad(
            where, where + ".type: " + tool.get("type") + " (expected: custom; no server tools)");
      }
      String name = tool.path("name").asString("");
      JsonNode schema = tool.get("input_schema");
      if (name.isEmpty() || schema == null || !schema.isObject()) {
        throw bad(where, where + ": expected name and an input_schema object");
      }
      ObjectNode function = functions.addObject().put("type", "function").putObject("function");
      function.put("name", name);
      if (tool.path("description").isString()) {
        function.put("description", tool.get("description").asString());
      }
      function.set("parameters", schema);
    }
  }

  private static void toolChoice(JsonNode choice, ObjectNode out) {
    if (choice == null || choice.isNull()) {
      return;
    }
    switch (choice.path("type").asString("")) {
      case "auto" -> out.put("tool_choice", "auto");
      case "any" -> out.put("tool_choice", "required");
      case "none" -> out.put("tool_choice", "none");
      case "tool" -> {
        String name = choice.path("name").asString("");
        if (name.isEmpty()) {
          throw bad("tool_choice", "tool_choice.name: expected the name of a tool");
        }
        out.putObject("tool_choice")
            .put("type", "function")
            .putObject("function")
            .put("name", name);
      }
      default ->
          throw bad(
              "tool_choice",
              "tool_choice.type: " + choice.get("type") + " (expected: auto, any, tool or none)");
    }
    if (choice.path("disable_parallel_tool_use").asBoolean(false) && out.has("tools")) {
      out.put("parallel_tool_calls", false);
    }
  }

  private static void thinking(JsonNode thinking, ObjectNode out) {
    if (thinking == null || !thinking.isObject()) {
      return;
    }
    if (!"enabled".equals(thinking.path("type").asString(""))) {
      return; // disabled
    }
    long budget = thinking.path("budget_tokens").asLong();
    out.put("reasoning_effort", effort(budget));
  }

  /** The documented mapping of a thinking budget to OpenAI's {@code reasoning_effort}. */
  static String effort(long budgetTokens) {
    if (budgetTokens < MEDIUM_EFFORT_BUDGET) {
      return "low";
    }
    return budgetTokens < HIGH_EFFORT_BUDGET ? "medium" : "high";
  }

  private static void copyNumber(ObjectNode from, String name, ObjectNode to) {
    JsonNode value = from.get(name);
    if (value != null && value.isNumber()) {
      to.set(name, value);
    }
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
