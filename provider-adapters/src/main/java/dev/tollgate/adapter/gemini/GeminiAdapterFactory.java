package dev.tollgate.adapter.gemini;

import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderAdapterFactory;
import dev.tollgate.adapter.ProviderSpec;
import java.util.Map;

/** Type {@code gemini}: Google's Gemini API, translated from and to OpenAI chat completions. */
public final class GeminiAdapterFactory implements ProviderAdapterFactory {

  @Override
  public String type() {
    return "gemini";
  }

  @Override
  public ProviderAdapter create(ProviderSpec provider, Map<String, String> modelOptions) {
    return new GeminiAdapter(provider);
  }
}
