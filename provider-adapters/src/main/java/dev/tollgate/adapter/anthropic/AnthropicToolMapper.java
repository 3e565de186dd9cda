package dev.tollgate.adapter.anthropic;

import static dev.tollgate.adapter.anthropic.Rejections.describe;
import static dev.tollgate.adapter.anthropic.Rejections.invalid;
import static dev.tollgate.adapter.anthropic.Rejections.string;
import static dev.tollgate.adapter.anthropic.Rejections.unsupported;

import dev.tollgate.adapter.Json;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI {@code tools}, {@code tool_choice} and {@code parallel_tool_calls} as Anthropic {@code
 * tools} and {@code tool_choice}. Only function tools translate. Without tools no {@code
 * tool_choice} is sent: Anthropic refuses one on its own, OpenAI ignores it.
 */
final class AnthropicToolMapper {

  private AnthropicToolMapper() {}

  static void map(JsonNode body, ObjectNode out) {
    JsonNode tools = body.path("tools");
    if (tools.isNull() || tools.isMissingNode() || (tools.isArray() && tools.isEmpty())) {
      return;
    }
    if (!tools.isArray()) {
      throw invalid("tools", "tools: " + describe(tools) + " (expected: an array)");
    }
    ArrayNode wire = out.putArray("tools");
    for (int i = 0; i < tools.size(); i++) {
      JsonNode tool = tools.get(i);
      String param = "tools[" + i + "]";
      if (!"function".equals(string(tool.path("type")))) {
        throw unsupported(
            param + ".type",
            param + ".type: " + describe(tool.path("type")) + " (expected: function)");
      }
      JsonNode function = tool.path("function");
      String name = string(function.path("name"));
      if (name == null || name.isEmpty()) {
        throw invalid(param + ".function.name", param + ".function.name: missing");
      }
      ObjectNode out1 = wire.addObject().put("name", name);
      String description = string(function.path("description"));
      if (description != null) {
        out1.put("description", description);
      }
      JsonNode parameters = function.path("parameters");
      if (parameters.isObject()) {
        out1.set("input_schema", parameters);
      } else {
        // OpenAI allows a function without parameters; Anthropic requires an object schema
        out1.putObject("input_schema").put("type", "object").putObject("properties");
      }
    }
    ObjectNode choice = toolChoice(body.path("tool_choice"));
    if (body.path("parallel_tool_calls").isBoolean()
        && !body.path("parallel_tool_calls").asBoolean()) {
      if (choice == null) {
        choice = Json.MAPPER.createObjectNode().put("type", "auto");
      }
      if (!"none".equals(choice.path("type").asString(""))) {
        choice.put("disable_parallel_tool_use", true);
      }
    }
    if (choice != null) {
      out.set("tool_choice", choice);
    }
  }

  private static @Nullable ObjectNode toolChoice(JsonNode choice) {
    if (choice.isNull() || choice.isMissingNode()) {
      return null;
    }
    ObjectNode out = Json.MAPPER.createObjectNode();
    if (choice.isString()) {
      switch (choice.asString()) {
        case "auto" -> out.put("type", "auto");
        case "none" -> out.put("type", "none");
        case "required" -> out.put("type", "any");
        default ->
            throw invalid(
                "tool_choice",
                "tool_choice: "
                    + describe(choice)
                    + " (expected: auto, none, required or a function)");
      }
      return out;
    }
    String name = string(choice.path("function").path("name"));
    if (!"function".equals(string(choice.path("type"))) || name == null) {
      throw unsupported(
          "tool_choice",
          "tool_choice: " + describe(choice.path("type")) + " (expected: a function by name)");
    }
    return out.put("type", "tool").put("name", name);
  }
}
