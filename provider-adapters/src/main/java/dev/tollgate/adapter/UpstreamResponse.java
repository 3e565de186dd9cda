package dev.tollgate.adapter;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A whole non-streaming response, relayed as it came.
 *
 * @param body the response body: OpenAI {@code chat.completion} JSON, or the upstream's own dialect
 *     when {@code nativeDialect}
 * @param usage the usage the upstream reported; null when it reported none
 * @param text generated output, for local counting when {@code usage} is null; empty otherwise
 * @param reasoning generated reasoning text, as {@code text}
 * @param nativeDialect whether the body is in the upstream's own dialect (from a {@link
 *     NativeMessagesCapable} call), not OpenAI's
 */
public record UpstreamResponse(
    byte[] body, @Nullable TokenUsage usage, String text, String reasoning, boolean nativeDialect) {

  public UpstreamResponse {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(reasoning, "reasoning");
  }

  /** An OpenAI-dialect response. */
  public UpstreamResponse(byte[] body, @Nullable TokenUsage usage, String text, String reasoning) {
    this(body, usage, text, reasoning, false);
  }
}
