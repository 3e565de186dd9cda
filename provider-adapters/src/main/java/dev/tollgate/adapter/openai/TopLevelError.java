package dev.tollgate.adapter.openai;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.UpstreamException;
import tools.jackson.databind.JsonNode;

/**
 * Mistral's error envelope: the fields at the top level ({@code {"object":"error","message":...,
 * "type":...,"code":...}}) instead of under {@code error}, and for a refused request a {@code
 * message} that is an object of validation {@code detail}s. Read only on the error path.
 */
final class TopLevelError {

  private TopLevelError() {}

  static UpstreamException read(int status, byte[] body) {
    JsonNode root = Json.MAPPER.readTree(body);
    JsonNode message = root.path("message");
    String text;
    if (message.isString() && !message.asString().isBlank()) {
      text = message.asString();
    } else if (message.path("detail").isArray() && !message.path("detail").isEmpty()) {
      text = details(message.path("detail"));
    } else {
      text = "upstream answered HTTP " + status;
    }
    String type =
        root.path("type").isString()
            ? root.path("type").asString()
            : OpenAiErrorMapper.defaultType(status);
    JsonNode code = root.path("code");
    return new UpstreamException(
        status,
        type,
        code.isString() || code.isNumber() ? code.asString() : null,
        root.path("param").isString() ? root.path("param").asString() : null,
        text,
        null);
  }

  /**
   * Validation details as {@code msg (loc)}, joined. The {@code input} each detail echoes is left
   * out: it may be prompt text.
   */
  private static String details(JsonNode detail) {
    StringBuilder out = new StringBuilder();
    for (JsonNode d : detail) {
      if (!out.isEmpty()) {
        out.append("; ");
      }
      out.append(d.path("msg").asString("invalid request"));
      if (d.path("loc").isArray()) {
        StringBuilder loc = new StringBuilder();
        for (JsonNode part : d.path("loc")) {
          if (!loc.isEmpty()) {
            loc.append('.');
          }
          loc.append(part.asString());
        }
        out.append(" (").append(loc).append(')');
      }
    }
    return out.toString();
  }
}
