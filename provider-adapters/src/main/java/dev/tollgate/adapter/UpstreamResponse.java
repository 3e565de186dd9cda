package dev.tollgate.adapter;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A whole non-streaming response, relayed as it came.
 *
 * @param body the response body (OpenAI {@code chat.completion} JSON)
 * @param usage the usage the upstream reported; null when it reported none
 * @param text generated output, for local counting when {@code usage} is null; empty otherwise
 * @param reasoning generated reasoning text, as {@code text}
 */
public record UpstreamResponse(
    byte[] body, @Nullable TokenUsage usage, String text, String reasoning) {

  public UpstreamResponse {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(reasoning, "reasoning");
  }
}
