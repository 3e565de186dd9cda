package dev.tollgate.adapter.anthropic;

import dev.tollgate.adapter.UpstreamException;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The 400 answers for requests that cannot be translated: they never reach the upstream and name
 * the parameter at fault, as OpenAI names it.
 */
final class Rejections {

  private Rejections() {}

  /** A parameter or value Anthropic's API has no equivalent for. */
  static UpstreamException unsupported(String param, String message) {
    return new UpstreamException(
        400, "invalid_request_error", "unsupported_parameter", param, message, null);
  }

  /** A value that is not what the OpenAI API itself accepts there. */
  static UpstreamException invalid(String param, String message) {
    return new UpstreamException(
        400, "invalid_request_error", "invalid_value", param, message, null);
  }

  /** The node's string value, or null when it is not a string. */
  static @Nullable String string(JsonNode node) {
    return node.isString() ? node.asString() : null;
  }

  /** The node's value as it appears in a message, never the prompt's text: its JSON type. */
  static String describe(JsonNode node) {
    if (node.isMissingNode()) {
      return "missing";
    }
    return node.isString() ? "'" + abbreviate(node.asString()) + "'" : node.getNodeType().name();
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
