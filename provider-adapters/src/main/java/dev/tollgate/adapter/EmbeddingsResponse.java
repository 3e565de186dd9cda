package dev.tollgate.adapter;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A whole embeddings response, relayed as it came.
 *
 * @param body the response body (OpenAI {@code list} of {@code embedding} objects)
 * @param usage the usage the upstream reported (input tokens only); null when it reported none
 */
public record EmbeddingsResponse(byte[] body, @Nullable TokenUsage usage) {

  public EmbeddingsResponse {
    Objects.requireNonNull(body, "body");
  }
}
