package dev.tollgate.adapter;

import java.util.Map;

/**
 * Builds adapters for one provider {@link #type()} (for example {@code openai} or {@code mock}).
 * Factories are found with {@link java.util.ServiceLoader}, so the gateway never branches on a
 * provider name.
 */
public interface ProviderAdapterFactory {

  /** The {@code type} value in configuration that selects this factory. */
  String type();

  /**
   * Creates an adapter for a provider. {@code modelOptions} are settings that a model gives its own
   * deployment (the mock provider's timings, for example); empty for a plain deployment.
   *
   * @throws IllegalArgumentException naming the bad value when the settings are not usable
   */
  ProviderAdapter create(ProviderSpec provider, Map<String, String> modelOptions);
}
