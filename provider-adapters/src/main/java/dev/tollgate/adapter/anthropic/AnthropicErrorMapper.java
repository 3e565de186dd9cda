package dev.tollgate.adapter.anthropic;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.UpstreamException;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Maps Anthropic errors ({@code {"type":"error","error":{"type":...,"message":...}}}, as a response
 * or an in-stream event) to {@link UpstreamException}. Anthropic's error types mostly share
 * OpenAI's names ({@code invalid_request_error}, {@code authentication_error}, {@code
 * rate_limit_error}) and are kept as they are. Anthropic's own status 529 (overloaded) becomes 503,
 * which HTTP clients and OpenAI SDKs know as "retry later".
 */
public final class AnthropicErrorMapper {

  private AnthropicErrorMapper() {}

  /** An error response: the upstream's status is kept (529 becomes 503), its words carried over. */
  public static UpstreamException fromResponse(int status, byte[] body) {
    JsonNode error = parse(body).path("error");
    String type = error.path("type").isString() ? error.path("type").asString() : null;
    String message =
        error.path("message").isString()
            ? error.path("message").asString()
            : "upstream answered HTTP " + status;
    int clientStatus = status == 529 ? 503 : status;
    return new UpstreamException(
        clientStatus, type != null ? type : defaultType(status), null, null, message, null);
  }

  /**
   * An {@code error} event inside a stream. The HTTP status was 200 already, so the status is the
   * one Anthropic documents for the error type: an overloaded upstream mid-stream is 503, as it
   * would have been before it.
   */
  public static UpstreamException inStream(JsonNode event) {
    JsonNode error = event.path("error");
    String type = error.path("type").isString() ? error.path("type").asString() : "api_error";
    String message =
        error.path("message").isString()
            ? error.path("message").asString()
            : "upstream sent an error event";
    return new UpstreamException(statusOf(type), type, null, null, message, null);
  }

  /** The status Anthropic documents for an error type (overloaded as 503); unknown ones are 502. */
  static int statusOf(String type) {
    return switch (type) {
      case "invalid_request_error" -> 400;
      case "authentication_error" -> 401;
      case "billing_error" -> 402;
      case "permission_error" -> 403;
      case "not_found_error" -> 404;
      case "request_too_large" -> 413;
      case "rate_limit_error" -> 429;
      case "overloaded_error" -> 503;
      case "timeout_error" -> 504;
      default -> 502; // api_error and anything new: the upstream failed
    };
  }

  private static String defaultType(int status) {
    return switch (status) {
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 529 -> "overloaded_error";
      default -> status >= 500 ? "api_error" : "invalid_request_error";
    };
  }

  private static JsonNode parse(byte[] body) {
    if (body.length == 0) {
      return Json.MAPPER.missingNode();
    }
    try {
      @Nullable JsonNode node = Json.MAPPER.readTree(body);
      return node == null ? Json.MAPPER.missingNode() : node;
    } catch (JacksonException notJson) {
      return Json.MAPPER.missingNode(); // a proxy's HTML page, for example
    }
  }
}
