package dev.tollgate.adapter.openai;

import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderAdapterFactory;
import dev.tollgate.adapter.ProviderSpec;
import java.util.Map;

/**
 * Type {@code openai}: OpenAI and any server that speaks its chat-completions API. The option
 * {@code preset} names the server ({@link OpenAiPreset}); the adapter also serves embeddings.
 */
public final class OpenAiAdapterFactory implements ProviderAdapterFactory {

  @Override
  public String type() {
    return "openai";
  }

  @Override
  public ProviderAdapter create(ProviderSpec provider, Map<String, String> modelOptions) {
    return new OpenAiCompatibleAdapter(provider);
  }
}
