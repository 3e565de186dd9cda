package dev.tollgate.adapter.anthropic;

import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.internal.ProviderOptions;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The provider options of an {@code anthropic} provider, read and checked once when the adapter is
 * built.
 *
 * @param version the {@code anthropic-version} header ({@code anthropic-version} option)
 * @param beta the {@code anthropic-beta} header, null to send none ({@code anthropic-beta})
 * @param defaultMaxTokens {@code max_tokens} for requests that set none: Anthropic requires it
 *     ({@code default-max-tokens})
 * @param maxEventBytes the largest server-sent event accepted ({@code max-event-bytes})
 */
public record AnthropicOptions(
    String version, @Nullable String beta, int defaultMaxTokens, int maxEventBytes) {

  public static final AnthropicOptions DEFAULTS =
      new AnthropicOptions(AnthropicWire.DEFAULT_VERSION, null, 4096, 16 << 20);

  public AnthropicOptions {
    Objects.requireNonNull(version, "version");
    if (defaultMaxTokens <= 0) {
      throw new IllegalArgumentException(
          "options.default-max-tokens: " + defaultMaxTokens + " (expected: > 0)");
    }
    if (maxEventBytes <= 0) {
      throw new IllegalArgumentException(
          "options.max-event-bytes: " + maxEventBytes + " (expected: > 0)");
    }
  }

  /**
   * @throws IllegalArgumentException naming the option when a value is not usable
   */
  public static AnthropicOptions from(ProviderSpec spec) {
    Map<String, String> options = spec.options();
    String version = ProviderOptions.text(options, "anthropic-version");
    return new AnthropicOptions(
        version == null ? DEFAULTS.version : version,
        ProviderOptions.text(options, "anthropic-beta"),
        ProviderOptions.positiveInt(options, "default-max-tokens", DEFAULTS.defaultMaxTokens),
        ProviderOptions.positiveInt(options, "max-event-bytes", DEFAULTS.maxEventBytes));
  }
}
