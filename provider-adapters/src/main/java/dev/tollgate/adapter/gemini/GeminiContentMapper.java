package dev.tollgate.adapter.gemini;

import static dev.tollgate.adapter.gemini.GeminiErrorMapper.unsupported;

import dev.tollgate.adapter.Json;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI {@code messages} to Gemini {@code systemInstruction} and {@code contents}. System and
 * developer messages become the system instruction; user and tool messages {@code user} contents;
 * assistant messages {@code model} contents. Consecutive messages of the same Gemini role are
 * merged into one content, so the function responses to one turn's parallel calls travel together,
 * as Gemini wants them.
 */
final class GeminiContentMapper {

  private GeminiContentMapper() {}

  /** Writes {@code systemInstruction} (when there is one) and {@code contents} into {@code out}. */
  static void map(JsonNode messages, ObjectNode out) {
    if (!messages.isArray() || messages.isEmpty()) {
      throw unsupported("messages", "messages: expected a non-empty array");
    }
    ArrayNode system = Json.MAPPER.createArrayNode();
    ArrayNode contents = Json.MAPPER.createArrayNode();
    Map<String, String> toolNames = new HashMap<>(); // tool_call id -> function name
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      String at = "messages[" + i + "]";
      String role = message.path("role").asString("");
      switch (role) {
        case "system", "developer" -> system.addAll(textParts(message.path("content"), at));
        case "user" -> append(contents, "user", userParts(message.path("content"), at));
        case "assistant" -> append(contents, "model", modelParts(message, at, toolNames));
        case "tool" -> append(contents, "user", functionResponse(message, at, toolNames));
        default ->
            throw unsupported(
                at + ".role",
                at
                    + ".role: '"
                    + role
                    + "' (expected: system, developer, user, assistant or tool)");
      }
    }
    if (contents.isEmpty()) {
      throw unsupported("messages", "messages: expected at least one user or assistant message");
    }
    if (!system.isEmpty()) {
      out.putObject("systemInstruction").set("parts", system);
    }
    out.set("contents", contents);
  }

  private static void append(ArrayNode contents, String role, ArrayNode parts) {
    if (parts.isEmpty()) {
      return; // an assistant turn with nothing in it: Gemini refuses empty contents
    }
    JsonNode last = contents.isEmpty() ? null : contents.get(contents.size() - 1);
    if (last instanceof ObjectNode content && role.equals(content.path("role").asString(""))) {
      ((ArrayNode) content.path("parts")).addAll(parts);
      return;
    }
    ObjectNode content = contents.addObject();
    content.put("role", role);
    content.set("parts", parts);
  }

  /** Text only: a string, or an array of {@code text} (and {@code refusal}) parts. */
  private static ArrayNode textParts(JsonNode content, String at) {
    ArrayNode parts = Json.MAPPER.createArrayNode();
    if (content.isString()) {
      if (!content.asString().isEmpty()) {
        parts.addObject().put("text", content.asString());
      }
      return parts;
    }
    if (content.isNull() || content.isMissingNode()) {
      return parts;
    }
    if (!content.isArray()) {
      throw unsupported(at + ".content", at + ".content: expected a string or an array of parts");
    }
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      String type = part.path("type").asString("");
      if (!type.equals("text") && !type.equals("refusal")) {
        throw unsupported(
            at + ".content[" + j + "].type",
            at + ".content[" + j + "].type: '" + type + "' (expected: text here)");
      }
      String text = part.path(type).asString("");
      if (!text.isEmpty()) {
        parts.addObject().put("text", text);
      }
    }
    return parts;
  }

  /** Text, images ({@code image_url}), audio ({@code input_audio}) and inline files. */
  private static ArrayNode userParts(JsonNode content, String at) {
    if (!content.isArray()) {
      return textParts(content, at);
    }
    ArrayNode parts = Json.MAPPER.createArrayNode();
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      String partAt = at + ".content[" + j + "]";
      String type = part.path("type").asString("");
      switch (type) {
        case "text" -> parts.addObject().put("text", part.path("text").asString(""));
        case "image_url" -> {
          JsonNode image = part.path("image_url");
          JsonNode url = image.isObject() ? image.path("url") : image;
          parts.add(GeminiMedia.fromUrl(url.asString(""), partAt + ".image_url.url"));
        }
        case "input_audio" -> {
          JsonNode audio = part.path("input_audio");
          String format = audio.path("format").asString("");
          if (format.isEmpty() || audio.path("data").asString("").isEmpty()) {
            throw unsupported(
                partAt + ".input_audio", partAt + ".input_audio: expected data and format");
          }
          parts
              .addObject()
              .putObject("inlineData")
              .put("mimeType", "audio/" + format.toLowerCase(Locale.ROOT))
              .put("data", audio.path("data").asString());
        }
        case "file" -> {
          String data = part.path("file").path("file_data").asString("");
          if (data.isEmpty()) {
            throw unsupported(
                partAt + ".file",
                partAt + ".file: expected file_data as a data: URL (file_id is not supported)");
          }
          parts.add(GeminiMedia.fromUrl(data, partAt + ".file.file_data"));
        }
        default ->
            throw unsupported(
                partAt + ".type",
                partAt + ".type: '" + type + "' (expected: text, image_url, input_audio or file)");
      }
    }
    return parts;
  }

  /**
   * Stands in for a thought signature the client did not keep. Gemini 3 refuses a model turn whose
   * first function call has no signature; this value, which Google documents for replaying calls
   * that did not come from Gemini 3, makes it skip the check (other models ignore it).
   */
  static final String SKIP_SIGNATURE = "skip_thought_signature_validator";

  /**
   * The assistant's text and its tool calls, which become {@code functionCall} parts. A call's
   * thought signature comes back from {@code extra_content.google.thought_signature}, where the
   * adapter put it; when the client kept none for the turn, the first call gets {@link
   * #SKIP_SIGNATURE}.
   */
  private static ArrayNode modelParts(JsonNode message, String at, Map<String, String> toolNames) {
    ArrayNode parts = textParts(message.path("content"), at);
    JsonNode calls = message.path("tool_calls");
    ObjectNode firstCall = null;
    boolean signed = false;
    for (int j = 0; j < calls.size(); j++) {
      JsonNode call = calls.get(j);
      String callAt = at + ".tool_calls[" + j + "]";
      String name = call.path("function").path("name").asString("");
      if (name.isEmpty()) {
        throw unsupported(callAt + ".function.name", callAt + ".function.name: missing");
      }
      String id = call.path("id").asString("");
      if (!id.isEmpty()) {
        toolNames.put(id, name);
      }
      ObjectNode part = parts.addObject();
      ObjectNode functionCall = part.putObject("functionCall");
      functionCall.put("name", name);
      functionCall.set("args", arguments(call.path("function").path("arguments"), callAt));
      String signature =
          GeminiWire.string(call.path("extra_content").path("google").path("thought_signature"));
      if (signature != null) {
        part.put("thoughtSignature", signature);
        signed = true;
      }
      if (firstCall == null) {
        firstCall = part;
      }
    }
    if (firstCall != null && !signed) {
      firstCall.put("thoughtSignature", SKIP_SIGNATURE);
    }
    return parts;
  }

  private static JsonNode arguments(JsonNode arguments, String callAt) {
    if (arguments.isObject()) {
      return arguments; // some clients send the object itself
    }
    if (arguments.isMissingNode() || arguments.isNull() || arguments.asString("").isBlank()) {
      return Json.MAPPER.createObjectNode();
    }
    try {
      JsonNode parsed = Json.MAPPER.readTree(arguments.asString(""));
      if (parsed.isObject()) {
        return parsed;
      }
    } catch (JacksonException notJson) {
      // reported below
    }
    throw unsupported(
        callAt + ".function.arguments",
        callAt + ".function.arguments: expected a JSON object in a string");
  }

  /**
   * A tool's answer. Gemini wants the function's name, which OpenAI messages only carry on the
   * assistant's call, and an object: a JSON object answer is passed as it is, anything else wrapped
   * as {@code {"result": "..."}}.
   */
  private static ArrayNode functionResponse(
      JsonNode message, String at, Map<String, String> toolNames) {
    String id = message.path("tool_call_id").asString("");
    String name = toolNames.get(id);
    if (name == null) {
      throw unsupported(
          at + ".tool_call_id",
          at + ".tool_call_id: '" + id + "' (expected: the id of an earlier assistant tool call)");
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode part : textParts(message.path("content"), at)) {
      text.append(part.path("text").asString(""));
    }
    ArrayNode parts = Json.MAPPER.createArrayNode();
    ObjectNode response = parts.addObject().putObject("functionResponse");
    response.put("name", name);
    response.set("response", responseObject(text.toString()));
    return parts;
  }

  private static ObjectNode responseObject(String text) {
    @Nullable JsonNode parsed = null;
    String trimmed = text.strip();
    if (trimmed.startsWith("{")) {
      try {
        parsed = Json.MAPPER.readTree(trimmed);
      } catch (JacksonException notJson) {
        parsed = null;
      }
    }
    if (parsed instanceof ObjectNode object) {
      return object;
    }
    ObjectNode wrapped = Json.MAPPER.createObjectNode();
    wrapped.put("result", text);
    return wrapped;
  }
}
