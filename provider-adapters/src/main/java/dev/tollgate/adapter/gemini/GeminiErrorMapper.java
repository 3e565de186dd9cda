package dev.tollgate.adapter.gemini;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.UpstreamException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Maps Gemini's errors ({@code {"error":{"code","message","status","details"}}}, Google's RPC
 * status in JSON) to {@link UpstreamException}s with an OpenAI error type, and names the requests
 * the adapter refuses to translate.
 */
public final class GeminiErrorMapper {

  private GeminiErrorMapper() {}

  /**
   * An error response: the upstream's HTTP status is kept; the type follows Gemini's {@code
   * status}, the code is that status in lower case ({@code resource_exhausted}), or {@code
   * invalid_api_key} when Gemini says the key is not valid (which it answers with 400).
   */
  public static UpstreamException fromResponse(int status, byte[] body) {
    JsonNode error = errorObject(body);
    if (error == null) {
      return new UpstreamException(
          status, defaultType(status), null, null, "upstream answered HTTP " + status, null);
    }
    return toException(status, error);
  }

  /**
   * An error object inside a stream (after the upstream answered 200): an upstream failure, 502,
   * with the upstream's words.
   */
  static UpstreamException inStream(JsonNode error) {
    return toException(502, error);
  }

  /** The prompt was refused by Gemini's safety filters: nothing was generated. */
  static UpstreamException blocked(String blockReason) {
    return new UpstreamException(
        400,
        "invalid_request_error",
        "content_filter",
        "messages",
        "the upstream refused the prompt (promptFeedback.blockReason: " + blockReason + ")",
        null);
  }

  /** A request parameter the adapter cannot translate for Gemini: the upstream is never called. */
  static UpstreamException unsupported(String param, String message) {
    return new UpstreamException(
        400, "invalid_request_error", "unsupported_parameter", param, message, null);
  }

  private static UpstreamException toException(int status, JsonNode error) {
    String rpcStatus = GeminiWire.string(error.path("status"));
    String message = GeminiWire.string(error.path("message"));
    if (message == null) {
      message = "upstream answered HTTP " + status + (rpcStatus == null ? "" : " " + rpcStatus);
    }
    if (isInvalidKey(error)) {
      return new UpstreamException(
          status, "authentication_error", "invalid_api_key", null, message, null);
    }
    String type = rpcStatus == null ? defaultType(status) : type(rpcStatus, status);
    String code = rpcStatus == null ? null : rpcStatus.toLowerCase(Locale.ROOT);
    return new UpstreamException(status, type, code, null, message, null);
  }

  private static String type(String rpcStatus, int httpStatus) {
    return switch (rpcStatus) {
      case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE", "NOT_FOUND" ->
          "invalid_request_error";
      case "UNAUTHENTICATED" -> "authentication_error";
      case "PERMISSION_DENIED" -> "permission_error";
      case "RESOURCE_EXHAUSTED" -> "rate_limit_error";
      case "INTERNAL", "UNAVAILABLE", "DEADLINE_EXCEEDED", "UNKNOWN", "ABORTED" -> "server_error";
      default -> defaultType(httpStatus);
    };
  }

  /** Gemini answers a bad key with 400 and {@code details[].reason: API_KEY_INVALID}. */
  private static boolean isInvalidKey(JsonNode error) {
    for (JsonNode detail : error.path("details")) {
      if ("API_KEY_INVALID".equals(GeminiWire.string(detail.path("reason")))) {
        return true;
      }
    }
    return false;
  }

  private static String defaultType(int status) {
    return switch (status) {
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 429 -> "rate_limit_error";
      default -> status >= 500 ? "server_error" : "invalid_request_error";
    };
  }

  /**
   * The {@code error} object of a body; also inside a one-element array, as non-SSE streaming calls
   * wrap it. Null when the body is not such JSON.
   */
  private static @Nullable JsonNode errorObject(byte[] body) {
    if (body.length == 0) {
      return null;
    }
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (JacksonException notJson) {
      return null;
    }
    if (root.isArray() && !root.isEmpty()) {
      root = root.get(0);
    }
    JsonNode error = root.path("error");
    return error.isObject() ? error : null;
  }
}
