package dev.tollgate.gateway.error;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.UpstreamException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/** Writes errors in the OpenAI shape: {@code {"error":{"message","type","param","code"}}}. */
public final class OpenAiErrors {

  private OpenAiErrors() {}

  public static byte[] body(GatewayException e) {
    return body(e.getMessage(), e.type(), e.param(), e.code());
  }

  public static byte[] body(UpstreamException e) {
    return body(e.getMessage(), e.type(), e.param(), e.code());
  }

  /** The same error as one server-sent event, for failures after a stream has begun. */
  public static byte[] event(UpstreamException e) {
    byte[] json = body(e);
    byte[] event = new byte[json.length + 8];
    System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, event, 0, 6);
    System.arraycopy(json, 0, event, 6, json.length);
    event[event.length - 2] = '\n';
    event[event.length - 1] = '\n';
    return event;
  }

  public static byte[] body(
      @Nullable String message, String type, @Nullable String param, @Nullable String code) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    ObjectNode error = root.putObject("error");
    error.put("message", message == null ? "" : message);
    error.put("type", type);
    error.put("param", param);
    error.put("code", code);
    return Json.MAPPER.writeValueAsBytes(root);
  }
}
