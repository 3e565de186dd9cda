package dev.tollgate.adapter.openai;

import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.internal.ProviderOptions;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One OpenAI-compatible provider's settings, resolved and checked once from its {@link
 * ProviderSpec} and {@link OpenAiPreset}: the base URL, the headers every request carries, how a
 * call's path is built, and the stream options. Immutable.
 *
 * <p>Options: {@code preset}, {@code stream-options} ({@code true}/{@code false}, default by
 * preset), {@code max-event-bytes}, and the preset's own ({@code api-version} for Azure, {@code
 * http-referer} and {@code x-title} for OpenRouter).
 */
final class OpenAiEndpoint {

  private static final String CHAT = "/chat/completions";
  private static final String EMBEDDINGS = "/embeddings";

  private final OpenAiPreset preset;
  private final String baseUrl;
  private final Map<String, String> headers;
  private final @Nullable String apiVersion;
  private final boolean askForUsage;
  private final int maxEventBytes;

  private OpenAiEndpoint(
      OpenAiPreset preset,
      String baseUrl,
      Map<String, String> headers,
      @Nullable String apiVersion,
      boolean askForUsage,
      int maxEventBytes) {
    this.preset = preset;
    this.baseUrl = baseUrl;
    this.headers = headers;
    this.apiVersion = apiVersion;
    this.askForUsage = askForUsage;
    this.maxEventBytes = maxEventBytes;
  }

  /**
   * @throws IllegalArgumentException naming the option and what was expected
   */
  static OpenAiEndpoint of(ProviderSpec spec) {
    Objects.requireNonNull(spec, "spec");
    Map<String, String> options = spec.options();
    OpenAiPreset preset = OpenAiPreset.of(options.get("preset"));
    for (OpenAiPreset other : OpenAiPreset.values()) {
      for (String option : other.ownOptions()) {
        if (other != preset && options.containsKey(option)) {
          throw new IllegalArgumentException(
              "options.%s: only read by preset %s (expected: no such option with preset %s)"
                  .formatted(option, other.id(), preset.id()));
        }
      }
    }
    URI base = spec.baseUrl() != null ? spec.baseUrl() : preset.defaultBaseUrl();
    if (base == null) {
      throw new IllegalArgumentException(
          "base-url: missing (expected: the API base URL; preset %s has no default)"
              .formatted(preset.id()));
    }
    String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || base.getHost() == null) {
      throw new IllegalArgumentException(
          "base-url: '" + base + "' (expected: an absolute http or https URL)");
    }
    String apiVersion = null;
    if (preset.urls() == OpenAiPreset.Urls.AZURE_DEPLOYMENT) {
      apiVersion = options.get("api-version");
      if (apiVersion == null || apiVersion.isBlank() || apiVersion.trim().contains(" ")) {
        throw new IllegalArgumentException(
            "options.api-version: "
                + (apiVersion == null ? "missing" : "'" + apiVersion + "'")
                + " (expected: the Azure OpenAI API version, for example 2024-10-21)");
      }
      apiVersion = apiVersion.trim();
    }
    return new OpenAiEndpoint(
        preset,
        base.toString().replaceAll("/+$", ""),
        headers(spec, preset),
        apiVersion,
        ProviderOptions.bool(options, "stream-options", preset.streamOptionsByDefault()),
        ProviderOptions.positiveInt(options, "max-event-bytes", 16 << 20));
  }

  private static Map<String, String> headers(ProviderSpec spec, OpenAiPreset preset) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(
        HttpHeaderNames.CONTENT_TYPE.toString(), HttpHeaderValues.APPLICATION_JSON.toString());
    if (!spec.apiKey().isEmpty()) {
      switch (preset.auth()) {
        case BEARER ->
            headers.put(HttpHeaderNames.AUTHORIZATION.toString(), "Bearer " + spec.apiKey());
        case API_KEY_HEADER -> headers.put("api-key", spec.apiKey());
      }
    }
    if (preset == OpenAiPreset.OPENROUTER) {
      optionalHeader(spec.options(), "http-referer", "HTTP-Referer", headers);
      optionalHeader(spec.options(), "x-title", "X-Title", headers);
    }
    return Map.copyOf(headers);
  }

  private static void optionalHeader(
      Map<String, String> options, String option, String header, Map<String, String> headers) {
    String value = options.get(option);
    if (value == null) {
      return;
    }
    if (value.isBlank() || value.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
      throw new IllegalArgumentException(
          "options." + option + ": '" + value + "' (expected: printable ASCII, not blank)");
    }
    headers.put(header, value.trim());
  }

  OpenAiPreset preset() {
    return preset;
  }

  String baseUrl() {
    return baseUrl;
  }

  boolean askForUsage() {
    return askForUsage;
  }

  int maxEventBytes() {
    return maxEventBytes;
  }

  /** Sets the headers every request to this provider carries. */
  void applyHeaders(HttpHeaders target) {
    headers.forEach(target::set);
  }

  /** The chat-completions path and query, relative to {@link #baseUrl()}. */
  String chatUri(String upstreamModel) {
    return uri(upstreamModel, CHAT);
  }

  /** The embeddings path and query, relative to {@link #baseUrl()}. */
  String embeddingsUri(String upstreamModel) {
    return uri(upstreamModel, EMBEDDINGS);
  }

  private String uri(String upstreamModel, String operation) {
    return switch (preset.urls()) {
      case PLAIN -> operation;
      case AZURE_DEPLOYMENT ->
          "/openai/deployments/"
              + encode(upstreamModel)
              + operation
              + "?api-version="
              + encode(Objects.requireNonNull(apiVersion, "apiVersion"));
    };
  }

  /** Percent-encodes a path segment or query value ({@code URLEncoder} writes spaces as +). */
  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
