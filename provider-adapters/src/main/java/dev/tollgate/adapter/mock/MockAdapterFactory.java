package dev.tollgate.adapter.mock;

import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderAdapterFactory;
import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.tokens.TokenEstimator;
import java.util.HashMap;
import java.util.Map;

/**
 * Type {@code mock}: the built-in deterministic provider. Provider options set defaults; a model's
 * {@code mock} settings override them.
 */
public final class MockAdapterFactory implements ProviderAdapterFactory {

  @Override
  public String type() {
    return "mock";
  }

  @Override
  public ProviderAdapter create(ProviderSpec provider, Map<String, String> modelOptions) {
    Map<String, String> options = new HashMap<>(provider.options());
    options.putAll(modelOptions);
    return new MockAdapter(MockSettings.from(options), TokenEstimator.shared());
  }
}
