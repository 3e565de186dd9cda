package dev.tollgate.adapter.openai;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.openai.OpenAiPayloadScanner.Scan;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Maps an OpenAI-dialect error (a response or an in-stream event) to an {@link UpstreamException}.
 */
public final class OpenAiErrorMapper {

  private OpenAiErrorMapper() {}

  /** An error response: the upstream's status is kept, its error fields carried over. */
  public static UpstreamException fromResponse(int status, byte[] body) {
    return fromResponse(status, body, null);
  }

  /**
   * An error response with its {@code Retry-After} header (seconds or an HTTP date), which the
   * gateway's routing honours before it tries the same upstream again.
   */
  public static UpstreamException fromResponse(
      int status, byte[] body, @Nullable String retryAfterHeader) {
    Scan scan = null;
    if (body.length > 0) {
      try {
        scan = OpenAiPayloadScanner.scan(body, 0, body.length);
      } catch (JacksonException | IllegalArgumentException notJson) {
        scan = null;
      }
    }
    if ((scan == null || !scan.hasError) && "error".equals(topLevelObject(body))) {
      return TopLevelError.read(status, body);
    }
    String message =
        scan != null && scan.errorMessage != null
            ? scan.errorMessage
            : "upstream answered HTTP " + status;
    String type = scan != null && scan.errorType != null ? scan.errorType : defaultType(status);
    return new UpstreamException(
        status,
        type,
        scan == null ? null : scan.errorCode,
        scan == null ? null : scan.errorParam,
        message,
        null,
        retryAfter(retryAfterHeader));
  }

  /** {@code Retry-After} as a duration: whole seconds or an HTTP date; null when absent or bad. */
  static @Nullable Duration retryAfter(@Nullable String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    String value = header.trim();
    try {
      long seconds = Long.parseLong(value);
      return seconds < 0 ? null : Duration.ofSeconds(seconds);
    } catch (NumberFormatException notSeconds) {
      // an HTTP date, below
    }
    try {
      ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
      Duration wait = Duration.between(java.time.Instant.now(), at.toInstant());
      return wait.isNegative() ? Duration.ZERO : wait;
    } catch (DateTimeParseException bad) {
      return null;
    }
  }

  /** The top-level {@code object} field's value, when the body is a JSON object that has one. */
  private static @Nullable String topLevelObject(byte[] body) {
    if (body.length == 0) {
      return null;
    }
    try {
      JsonNode root = Json.MAPPER.readTree(body);
      return root.path("object").isString() ? root.path("object").asString() : null;
    } catch (JacksonException notJson) {
      return null;
    }
  }

  /** An error event inside a stream: an upstream failure (502) with the upstream's words. */
  static UpstreamException inStream(Scan scan) {
    String message = scan.errorMessage != null ? scan.errorMessage : "upstream sent an error event";
    return new UpstreamException(
        502,
        scan.errorType != null ? scan.errorType : "upstream_error",
        scan.errorCode,
        scan.errorParam,
        message,
        null);
  }

  static String defaultType(int status) {
    return switch (status) {
      case 400, 404, 409, 413, 422 -> "invalid_request_error";
      case 401, 403 -> "authentication_error";
      case 429 -> "rate_limit_error";
      default -> status >= 500 ? "upstream_error" : "invalid_request_error";
    };
  }
}
