package dev.tollgate.adapter.anthropic;

import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderAdapterFactory;
import dev.tollgate.adapter.ProviderSpec;
import java.time.Clock;
import java.util.Map;

/** Type {@code anthropic}: Anthropic's Messages API, translated to and from OpenAI's dialect. */
public final class AnthropicAdapterFactory implements ProviderAdapterFactory {

  @Override
  public String type() {
    return "anthropic";
  }

  @Override
  public ProviderAdapter create(ProviderSpec provider, Map<String, String> modelOptions) {
    return new AnthropicAdapter(provider, Clock.systemUTC());
  }
}
