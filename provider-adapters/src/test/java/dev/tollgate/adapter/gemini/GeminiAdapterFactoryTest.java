package dev.tollgate.adapter.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.adapter.ProviderAdapterFactory;
import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.ProviderSpec.Timeouts;
import java.time.Duration;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class GeminiAdapterFactoryTest {

  @Test
  void typeGeminiIsFoundByTheServiceLoader() {
    assertThat(ServiceLoader.load(ProviderAdapterFactory.class).stream())
        .map(p -> p.get().type())
        .contains("gemini", "openai", "mock");
  }

  @Test
  void withoutABaseUrlTheAdapterUsesGooglesAndABadOptionIsNamed() {
    assertThat(new GeminiAdapterFactory().create(spec(Map.of()), Map.of()))
        .isInstanceOf(GeminiAdapter.class);

    assertThatThrownBy(
            () ->
                new GeminiAdapterFactory().create(spec(Map.of("max-event-bytes", "-1")), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("options.max-event-bytes: '-1' (expected: a whole number > 0)");
  }

  private static ProviderSpec spec(Map<String, String> options) {
    Duration s = Duration.ofSeconds(1);
    return new ProviderSpec("g", "gemini", null, "key", new Timeouts(s, s, s), 1, options);
  }
}
