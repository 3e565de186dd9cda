package dev.tollgate.gateway.messages;

import static dev.tollgate.gateway.messages.MessagesRequests.bad;

import dev.tollgate.adapter.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Translates a checked Anthropic Messages request ({@link MessagesRequests}) into an OpenAI
 * chat-completions body, which every adapter understands; the turns' content blocks are {@link
 * MessagesContentTranslator}'s. Refuses (400) what has no chat-completions equivalent rather than
 * dropping it silently (server tools here). Dropped on purpose, as docs/api.md ("POST
 * /v1/messages") says: {@code top_k}, {@code metadata}, {@code cache_control}.
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
        MessagesContentTranslator.assistant(message.get("content"), at, messages);
      } else {
        MessagesContentTranslator.user(message.get("content"), at, messages);
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
}
