package dev.tollgate.adapter.anthropic;

import dev.tollgate.adapter.TokenUsage;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/** Facts about Anthropic's wire format that more than one mapper needs. */
public final class AnthropicWire {

  /** The API version this adapter's translation was written against. */
  public static final String DEFAULT_VERSION = "2023-06-01";

  public static final String DEFAULT_BASE_URL = "https://api.anthropic.com/v1";

  public static final String MESSAGES_PATH = "/messages";

  private AnthropicWire() {}

  /**
   * Anthropic's usage counters. {@code input} excludes the cached parts, which Anthropic counts
   * separately; OpenAI's {@code prompt_tokens} includes them.
   *
   * @param input uncached input tokens ({@code input_tokens})
   * @param cacheRead input tokens read from the prompt cache
   * @param cacheCreation input tokens written to the prompt cache ({@code
   *     cache_creation_input_tokens}; without it, the sum of {@code cache_creation}'s counts)
   * @param cacheCreation1h the part of {@code cacheCreation} written for one hour ({@code
   *     cache_creation.ephemeral_1h_input_tokens})
   * @param output output tokens, thinking included
   */
  public record Usage(
      long input, long cacheRead, long cacheCreation, long cacheCreation1h, long output) {

    public static final Usage NONE = new Usage(0, 0, 0, 0, 0);

    /** This usage with the counters present in {@code node} replacing the current ones. */
    public Usage merge(JsonNode node) {
      JsonNode split = node.path("cache_creation");
      long oneHour = count(split, "ephemeral_1h_input_tokens", cacheCreation1h);
      long splitTotal =
          split.isObject() ? count(split, "ephemeral_5m_input_tokens", 0) + oneHour : cacheCreation;
      return new Usage(
          count(node, "input_tokens", input),
          count(node, "cache_read_input_tokens", cacheRead),
          count(node, "cache_creation_input_tokens", splitTotal),
          oneHour,
          count(node, "output_tokens", output));
    }

    /**
     * As the gateway meters it: all input is prompt, cache reads are the cached part and cache
     * writes the written part (the one-hour writes apart). Anthropic does not report thinking
     * tokens apart from the output, so reasoning is 0.
     */
    public TokenUsage toTokenUsage() {
      return new TokenUsage(
          input + cacheRead + cacheCreation,
          output,
          cacheRead,
          0,
          cacheCreation,
          Math.min(cacheCreation1h, cacheCreation));
    }

    private static long count(JsonNode node, String field, long fallback) {
      JsonNode value = node.path(field);
      return value.isIntegralNumber() && value.asLong() >= 0 ? value.asLong() : fallback;
    }
  }

  /**
   * OpenAI's {@code finish_reason} for an Anthropic {@code stop_reason}. {@code refusal} is a
   * content filter in OpenAI's words; {@code pause_turn} (a server tool paused a long turn) and
   * anything unknown end the turn normally.
   */
  public static String finishReason(@Nullable String stopReason) {
    if (stopReason == null) {
      return "stop";
    }
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> "tool_calls";
      case "refusal" -> "content_filter";
      default -> "stop"; // end_turn, stop_sequence, pause_turn
    };
  }
}
