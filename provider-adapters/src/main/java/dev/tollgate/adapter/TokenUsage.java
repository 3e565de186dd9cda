package dev.tollgate.adapter;

/**
 * Token counts of one response, as an upstream reports them.
 *
 * @param promptTokens input tokens, cached ones included
 * @param completionTokens output tokens, reasoning ones included
 * @param cachedPromptTokens the part of the input served from the provider's prompt cache
 * @param reasoningTokens the part of the output spent on reasoning
 */
public record TokenUsage(
    long promptTokens, long completionTokens, long cachedPromptTokens, long reasoningTokens) {

  public static final TokenUsage ZERO = new TokenUsage(0, 0, 0, 0);

  public TokenUsage {
    if (promptTokens < 0 || completionTokens < 0 || cachedPromptTokens < 0 || reasoningTokens < 0) {
      throw new IllegalArgumentException(
          "token counts must be >= 0: prompt=%d completion=%d cached=%d reasoning=%d"
              .formatted(promptTokens, completionTokens, cachedPromptTokens, reasoningTokens));
    }
  }
}
