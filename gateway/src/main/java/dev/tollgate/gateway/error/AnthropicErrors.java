package dev.tollgate.gateway.error;

import dev.tollgate.adapter.Json;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes errors in the Anthropic shape, {@code {"type":"error","error":{"type","message"}}}, for
 * the Anthropic Messages endpoint ({@code /v1/messages}). The error type follows from the HTTP
 * status, as Anthropic's API documents it, so the official SDKs raise their matching exceptions.
 */
public final class AnthropicErrors {

  private static final String PATH = "/v1/messages";

  private AnthropicErrors() {}

  /** Whether errors on this request path are written in the Anthropic shape. */
  public static boolean appliesTo(String path) {
    return path.startsWith(PATH)
        && (path.length() == PATH.length() || path.charAt(PATH.length()) == '/');
  }

  /** Anthropic's error type for an HTTP status. */
  public static String type(int status) {
    return switch (status) {
      case 400, 405, 415, 422 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 402 -> "billing_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 503, 529 -> "overloaded_error";
      case 504 -> "timeout_error";
      default -> status >= 500 ? "api_error" : "invalid_request_error";
    };
  }

  /**
   * @param requestId the gateway's request id, when known ({@code request_id}, as Anthropic sends)
   */
  public static byte[] body(int status, @Nullable String message, @Nullable String requestId) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("type", "error");
    ObjectNode error = root.putObject("error");
    error.put("type", type(status));
    error.put("message", message == null ? "" : message);
    if (requestId != null) {
      root.put("request_id", requestId);
    }
    return Json.MAPPER.writeValueAsBytes(root);
  }

  /** The same error as an {@code event: error} server-sent event, for a stream that has begun. */
  public static byte[] event(int status, @Nullable String message) {
    byte[] json = body(status, message, null);
    byte[] head = "event: error\ndata: ".getBytes(StandardCharsets.US_ASCII);
    byte[] event = new byte[head.length + json.length + 2];
    System.arraycopy(head, 0, event, 0, head.length);
    System.arraycopy(json, 0, event, head.length, json.length);
    event[event.length - 2] = '\n';
    event[event.length - 1] = '\n';
    return event;
  }
}
