package dev.tollgate.adapter.openai;

import java.net.URI;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The OpenAI-compatible servers the {@code openai} adapter knows by name, selected with the
 * provider option {@code preset}. Each preset is the one place that says how its server differs
 * from OpenAI: where it lives, how it takes the key, how its URLs look and whether it accepts
 * {@code stream_options}. Everything that reads the wire (usage in the last content chunk, SSE
 * comments, {@code reasoning} and {@code reasoning_content}) is the same for all of them: the
 * decoder understands every variant, so no preset needs a decoding switch.
 */
public enum OpenAiPreset {

  /** OpenAI itself. */
  OPENAI("https://api.openai.com/v1", Auth.BEARER, Urls.PLAIN, true),

  /**
   * Azure OpenAI: the key goes in an {@code api-key} header, the model is a deployment in the URL
   * path, and every call names an {@code api-version}. No default base URL: it names the resource
   * ({@code https://<resource>.openai.azure.com}).
   */
  AZURE(null, Auth.API_KEY_HEADER, Urls.AZURE_DEPLOYMENT, true, "api-version"),

  /**
   * Mistral's La Plateforme. Its request validation refuses fields it does not know, {@code
   * stream_options} among them, and it reports usage in the last content chunk unasked, so the
   * adapter does not ask.
   */
  MISTRAL("https://api.mistral.ai/v1", Auth.BEARER, Urls.PLAIN, false),

  /** DeepSeek: reasoning models stream their thinking as {@code delta.reasoning_content}. */
  DEEPSEEK("https://api.deepseek.com/v1", Auth.BEARER, Urls.PLAIN, true),

  /** Groq's OpenAI-compatible endpoint. */
  GROQ("https://api.groq.com/openai/v1", Auth.BEARER, Urls.PLAIN, true),

  /**
   * OpenRouter: sends {@code : OPENROUTER PROCESSING} comment lines while it waits, streams
   * reasoning as {@code delta.reasoning}, and may put usage next to a non-empty {@code choices}.
   * Optional attribution headers {@code HTTP-Referer} and {@code X-Title} come from the options
   * {@code http-referer} and {@code x-title}.
   */
  OPENROUTER(
      "https://openrouter.ai/api/v1", Auth.BEARER, Urls.PLAIN, true, "http-referer", "x-title"),

  /** A self-hosted vLLM server: no default address; the key is optional. */
  VLLM(null, Auth.BEARER, Urls.PLAIN, true),

  /** A local Ollama server's OpenAI-compatible API: no key needed. */
  OLLAMA("http://127.0.0.1:11434/v1", Auth.BEARER, Urls.PLAIN, true);

  /** How the upstream takes the API key. */
  public enum Auth {
    /** {@code Authorization: Bearer <key>}. */
    BEARER,
    /** {@code api-key: <key>} (Azure). */
    API_KEY_HEADER
  }

  /** How a call's URL is built. */
  public enum Urls {
    /** {@code {base-url}/chat/completions}, {@code {base-url}/embeddings}. */
    PLAIN,
    /**
     * {@code {base-url}/openai/deployments/{upstream-model}/chat/completions?api-version=...}, and
     * the same for {@code /embeddings}.
     */
    AZURE_DEPLOYMENT
  }

  private final @Nullable URI defaultBaseUrl;
  private final Auth auth;
  private final Urls urls;
  private final boolean streamOptions;
  private final Set<String> ownOptions;

  OpenAiPreset(
      @Nullable String defaultBaseUrl,
      Auth auth,
      Urls urls,
      boolean streamOptions,
      String... ownOptions) {
    this.defaultBaseUrl = defaultBaseUrl == null ? null : URI.create(defaultBaseUrl);
    this.auth = auth;
    this.urls = urls;
    this.streamOptions = streamOptions;
    this.ownOptions = Set.of(ownOptions);
  }

  /** The value of the {@code preset} option that selects this preset. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The base URL used when {@code base-url} is absent; null when it must be configured. */
  public @Nullable URI defaultBaseUrl() {
    return defaultBaseUrl;
  }

  public Auth auth() {
    return auth;
  }

  public Urls urls() {
    return urls;
  }

  /** Whether {@code stream_options} is sent unless the {@code stream-options} option says no. */
  public boolean streamOptionsByDefault() {
    return streamOptions;
  }

  /** Options only this preset reads; naming them for another preset is a configuration error. */
  public Set<String> ownOptions() {
    return ownOptions;
  }

  /**
   * The preset a {@code preset} option value names; {@link #OPENAI} when it is absent.
   *
   * @throws IllegalArgumentException naming the known presets
   */
  public static OpenAiPreset of(@Nullable String value) {
    if (value == null || value.isBlank()) {
      return OPENAI;
    }
    String wanted = value.trim().toLowerCase(Locale.ROOT);
    for (OpenAiPreset preset : values()) {
      if (preset.id().equals(wanted)) {
        return preset;
      }
    }
    throw new IllegalArgumentException(
        "options.preset: '" + value + "' (expected one of: " + ids() + ")");
  }

  private static String ids() {
    return Arrays.stream(values()).map(OpenAiPreset::id).collect(Collectors.joining(", "));
  }
}
