package dev.tollgate.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.adapter.ProviderSpec;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OpenAiEndpointTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "'', https://api.openai.com/v1, true",
    "openai, https://api.openai.com/v1, true",
    "mistral, https://api.mistral.ai/v1, false",
    "deepseek, https://api.deepseek.com/v1, true",
    "groq, https://api.groq.com/openai/v1, true",
    "openrouter, https://openrouter.ai/api/v1, true",
    "ollama, http://127.0.0.1:11434/v1, true",
    "OpenRouter, https://openrouter.ai/api/v1, true",
  })
  void presetsWithoutBaseUrlUseTheirDefaultAndStreamOptions(
      String preset, String baseUrl, boolean streamOptions) {
    OpenAiEndpoint endpoint = endpoint(null, "k", Map.of("preset", preset));

    assertThat(endpoint.baseUrl()).isEqualTo(baseUrl);
    assertThat(endpoint.askForUsage()).isEqualTo(streamOptions);
    assertThat(endpoint.chatUri("m")).isEqualTo("/chat/completions");
    assertThat(endpoint.embeddingsUri("m")).isEqualTo("/embeddings");
    assertThat(headers(endpoint).get("authorization")).isEqualTo("Bearer k");
  }

  @Test
  void aConfiguredBaseUrlWinsAndLosesItsTrailingSlashes() {
    OpenAiEndpoint endpoint =
        endpoint("https://eu.api.mistral.ai/v1//", "k", Map.of("preset", "mistral"));

    assertThat(endpoint.baseUrl()).isEqualTo("https://eu.api.mistral.ai/v1");
  }

  @Test
  void streamOptionsCanBeTurnedOnForMistralAndOffForOpenAi() {
    assertThat(
            endpoint(null, "k", Map.of("preset", "mistral", "stream-options", "true"))
                .askForUsage())
        .isTrue();
    assertThat(endpoint(null, "k", Map.of("stream-options", "FALSE")).askForUsage()).isFalse();
  }

  @Test
  void azureBuildsDeploymentUrlsAndSendsTheKeyAsApiKey() {
    OpenAiEndpoint endpoint =
        endpoint(
            "https://res.openai.azure.com/",
            "azure-key",
            Map.of("preset", "azure", "api-version", "2024-10-21"));

    assertThat(endpoint.baseUrl()).isEqualTo("https://res.openai.azure.com");
    assertThat(endpoint.chatUri("gpt-4o mini/eu"))
        .isEqualTo(
            "/openai/deployments/gpt-4o%20mini%2Feu/chat/completions?api-version=2024-10-21");
    assertThat(endpoint.embeddingsUri("emb"))
        .isEqualTo("/openai/deployments/emb/embeddings?api-version=2024-10-21");
    HttpHeaders headers = headers(endpoint);
    assertThat(headers.get("api-key")).isEqualTo("azure-key");
    assertThat(headers.contains("authorization")).isFalse();
  }

  @Test
  void openRouterAttributionHeadersComeFromOptions() {
    HttpHeaders headers =
        headers(
            endpoint(
                null,
                "k",
                Map.of(
                    "preset", "openrouter", "http-referer", "https://a.example", "x-title", "A")));

    assertThat(headers.get("HTTP-Referer")).isEqualTo("https://a.example");
    assertThat(headers.get("X-Title")).isEqualTo("A");
  }

  @Test
  void noKeyNoAuthorizationHeader() {
    HttpHeaders headers = headers(endpoint("http://gpu-box:8000/v1", "", Map.of("preset", "vllm")));

    assertThat(headers.contains("authorization")).isFalse();
    assertThat(headers.get("content-type")).isEqualTo("application/json");
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "preset=nope | options.preset: 'nope' (expected one of: openai, azure, mistral, deepseek, groq, openrouter, vllm, ollama)",
        "preset=vllm | base-url: missing (expected: the API base URL; preset vllm has no default)",
        "preset=azure;api-version=2024-10-21 | base-url: missing (expected: the API base URL; preset azure has no default)",
        "preset=azure;BASE | options.api-version: missing (expected: the Azure OpenAI API version, for example 2024-10-21)",
        "preset=azure;api-version= ;BASE | options.api-version: ' ' (expected: the Azure OpenAI API version, for example 2024-10-21)",
        "api-version=2024-10-21 | options.api-version: only read by preset azure (expected: no such option with preset openai)",
        "preset=mistral;x-title=T | options.x-title: only read by preset openrouter (expected: no such option with preset mistral)",
        "preset=openrouter;http-referer= | options.http-referer: '' (expected: printable ASCII, not blank)",
        "stream-options=maybe | options.stream-options: 'maybe' (expected: true or false)",
        "max-event-bytes=0 | options.max-event-bytes: '0' (expected: a whole number > 0)",
      })
  void badSettingsNameTheOptionAndWhatWasExpected(String settings, String message) {
    String baseUrl = null;
    Map<String, String> options = new java.util.HashMap<>();
    for (String pair : settings.split(";")) {
      if (pair.equals("BASE")) {
        baseUrl = "https://res.openai.azure.com";
        continue;
      }
      String[] kv = pair.split("=", 2);
      options.put(kv[0], kv[1]);
    }
    String base = baseUrl;

    assertThatThrownBy(() -> endpoint(base, "k", options))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void aBaseUrlMustBeAbsoluteHttp() {
    assertThatThrownBy(() -> endpoint("ftp://h/v1", "k", Map.of()))
        .hasMessage("base-url: 'ftp://h/v1' (expected: an absolute http or https URL)");
    assertThatThrownBy(() -> endpoint("api.openai.com/v1", "k", Map.of()))
        .hasMessage("base-url: 'api.openai.com/v1' (expected: an absolute http or https URL)");
  }

  static OpenAiEndpoint endpoint(
      @Nullable String baseUrl, String apiKey, Map<String, String> options) {
    return OpenAiEndpoint.of(spec(baseUrl, apiKey, options));
  }

  static ProviderSpec spec(@Nullable String baseUrl, String apiKey, Map<String, String> options) {
    return new ProviderSpec(
        "p",
        "openai",
        baseUrl == null ? null : URI.create(baseUrl),
        apiKey,
        new ProviderSpec.Timeouts(
            Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(5)),
        2,
        options);
  }

  private static HttpHeaders headers(OpenAiEndpoint endpoint) {
    HttpHeaders headers = new DefaultHttpHeaders();
    endpoint.applyHeaders(headers);
    return headers;
  }
}
