package dev.tollgate.adapter.gemini;

import static dev.tollgate.adapter.gemini.GeminiErrorMapper.unsupported;

import dev.tollgate.adapter.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** OpenAI {@code tools} and {@code tool_choice} to Gemini function declarations and their mode. */
final class GeminiToolMapper {

  private GeminiToolMapper() {}

  /**
   * {@code tools} as one Gemini tool holding every function declaration. Parameters are passed as
   * JSON Schema ({@code parametersJsonSchema}), untranslated.
   */
  static ArrayNode tools(JsonNode tools) {
    ArrayNode out = Json.MAPPER.createArrayNode();
    if (tools.isMissingNode() || tools.isNull() || tools.isEmpty()) {
      return out;
    }
    if (!tools.isArray()) {
      throw unsupported("tools", "tools: expected an array");
    }
    ArrayNode declarations = out.addObject().putArray("functionDeclarations");
    for (int i = 0; i < tools.size(); i++) {
      JsonNode tool = tools.get(i);
      String at = "tools[" + i + "]";
      String type = tool.path("type").asString("");
      if (!type.equals("function")) {
        throw unsupported(at + ".type", at + ".type: '" + type + "' (expected: function)");
      }
      JsonNode function = tool.path("function");
      String name = function.path("name").asString("");
      if (name.isEmpty()) {
        throw unsupported(at + ".function.name", at + ".function.name: missing");
      }
      ObjectNode declaration = declarations.addObject();
      declaration.put("name", name);
      String description = GeminiWire.string(function.path("description"));
      if (description != null) {
        declaration.put("description", description);
      }
      JsonNode parameters = function.path("parameters");
      if (parameters.isObject()) {
        declaration.set("parametersJsonSchema", parameters);
      } else if (!parameters.isMissingNode() && !parameters.isNull()) {
        throw unsupported(
            at + ".function.parameters",
            at + ".function.parameters: expected a JSON Schema object");
      }
    }
    return out;
  }

  /**
   * {@code auto}, {@code none}, {@code required} (Gemini's {@code ANY}) or one named function
   * ({@code ANY} restricted to that name).
   */
  static ObjectNode functionCallingConfig(JsonNode toolChoice) {
    ObjectNode config = Json.MAPPER.createObjectNode();
    if (toolChoice.isString()) {
      String mode =
          switch (toolChoice.asString()) {
            case "auto" -> "AUTO";
            case "none" -> "NONE";
            case "required" -> "ANY";
            default ->
                throw unsupported(
                    "tool_choice",
                    "tool_choice: '"
                        + toolChoice.asString()
                        + "' (expected: auto, none, required or a function)");
          };
      return config.put("mode", mode);
    }
    String name = toolChoice.path("function").path("name").asString("");
    if (!toolChoice.path("type").asString("").equals("function") || name.isEmpty()) {
      throw unsupported(
          "tool_choice",
          "tool_choice: expected auto, none, required or {\"type\":\"function\",\"function\":"
              + "{\"name\":...}}");
    }
    config.put("mode", "ANY");
    config.putArray("allowedFunctionNames").add(name);
    return config;
  }
}
