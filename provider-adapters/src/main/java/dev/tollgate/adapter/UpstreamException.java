package dev.tollgate.adapter;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * An upstream failed: it answered with an error, broke the protocol, timed out or could not be
 * reached. Carries what the gateway needs to answer the client in the OpenAI error shape.
 */
public final class UpstreamException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;
  private final String type;
  private final @Nullable String code;
  private final @Nullable String param;
  private final @Nullable Duration retryAfter;

  /**
   * @param status the HTTP status for the client: the upstream's own for an upstream error
   *     response, 502 when it failed or broke the protocol, 504 when it timed out
   * @param type the OpenAI error type
   * @param code the OpenAI error code, if any
   * @param param the request parameter the error is about, if any
   * @param message what went wrong, never containing prompt or completion text
   */
  public UpstreamException(
      int status,
      String type,
      @Nullable String code,
      @Nullable String param,
      String message,
      @Nullable Throwable cause) {
    this(status, type, code, param, message, cause, null);
  }

  /**
   * @param retryAfter how long the upstream asked to wait before trying again ({@code
   *     Retry-After}), if it said
   */
  public UpstreamException(
      int status,
      String type,
      @Nullable String code,
      @Nullable String param,
      String message,
      @Nullable Throwable cause,
      @Nullable Duration retryAfter) {
    super(message, cause, false, false);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
    this.retryAfter = retryAfter;
  }

  public static UpstreamException unavailable(String message, @Nullable Throwable cause) {
    return new UpstreamException(
        502, "upstream_error", "upstream_unavailable", null, message, cause);
  }

  public static UpstreamException protocol(String message, @Nullable Throwable cause) {
    return new UpstreamException(
        502, "upstream_error", "upstream_protocol_error", null, message, cause);
  }

  public static UpstreamException timeout(String message) {
    return new UpstreamException(504, "upstream_error", "upstream_timeout", null, message, null);
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public @Nullable String code() {
    return code;
  }

  public @Nullable String param() {
    return param;
  }

  /** How long the upstream asked to wait before the next try ({@code Retry-After}), if it said. */
  public @Nullable Duration retryAfter() {
    return retryAfter;
  }

  /** True when the upstream could not be reached or timed out, rather than answering an error. */
  public boolean isTimeout() {
    return status == 504;
  }
}
