package dev.tollgate.adapter;

/**
 * Token counts of one response, as an upstream reports them.
 *
 * @param promptTokens input tokens, cached ones and cache writes included
 * @param completionTokens output tokens, reasoning ones included
 * @param cachedPromptTokens the part of the input served from the provider's prompt cache
 * @param reasoningTokens the part of the output spent on reasoning
 * @param cacheWriteTokens the part of the input written to the provider's prompt cache (Anthropic's
 *     {@code cache_creation_input_tokens}), which providers charge above the input price
 * @param cacheWrite1hTokens the part of {@code cacheWriteTokens} written for one hour rather than
 *     five minutes (Anthropic's {@code cache_creation.ephemeral_1h_input_tokens}), charged higher
 */
public record TokenUsage(
    long promptTokens,
    long completionTokens,
    long cachedPromptTokens,
    long reasoningTokens,
    long cacheWriteTokens,
    long cacheWrite1hTokens) {

  public static final TokenUsage ZERO = new TokenUsage(0, 0, 0, 0);

  public TokenUsage {
    if (promptTokens < 0
        || completionTokens < 0
        || cachedPromptTokens < 0
        || reasoningTokens < 0
        || cacheWriteTokens < 0
        || cacheWrite1hTokens < 0) {
      throw new IllegalArgumentException(
          ("token counts must be >= 0: prompt=%d completion=%d cached=%d reasoning=%d"
                  + " cache_write=%d cache_write_1h=%d")
              .formatted(
                  promptTokens,
                  completionTokens,
                  cachedPromptTokens,
                  reasoningTokens,
                  cacheWriteTokens,
                  cacheWrite1hTokens));
    }
  }

  /** A usage without cache writes (every provider but Anthropic). */
  public TokenUsage(
      long promptTokens, long completionTokens, long cachedPromptTokens, long reasoningTokens) {
    this(promptTokens, completionTokens, cachedPromptTokens, reasoningTokens, 0, 0);
  }
}
