package dev.tollgate.gateway.auth;

import dev.tollgate.gateway.config.BillingProperties;
import dev.tollgate.gateway.config.GatewayProperties;
import dev.tollgate.gateway.config.InvalidConfigurationException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The dev keys ({@code gateway.dev-keys}), checked at start-up; they pay from the demo account.
 * With billing on, {@link CachingKeyStore} serves them beside the stored keys.
 */
@Configuration(proxyBeanMethods = false)
public class DevKeysConfiguration {

  private static final Logger log = LoggerFactory.getLogger(DevKeysConfiguration.class);

  @Bean
  DevKeyStore devKeyStore(GatewayProperties properties, BillingProperties billing) {
    List<String> keys = properties.devKeys();
    for (int i = 0; i < keys.size(); i++) {
      String key = keys.get(i);
      if (key == null || key.isBlank() || key.length() < DevKeyStore.MIN_LENGTH) {
        throw new InvalidConfigurationException(
            "gateway.dev-keys[%d]: %d characters (expected: at least %d)"
                .formatted(i, key == null ? 0 : key.length(), DevKeyStore.MIN_LENGTH));
      }
    }
    if (keys.isEmpty()) {
      String generated = DevKeyStore.generate();
      log.info(
          "No gateway.dev-keys configured: this run accepts the generated development key {}"
              + " (set gateway.dev-keys to choose your own)",
          generated);
      keys = List.of(generated);
    }
    return DevKeyStore.of(keys, billing.demo().id());
  }
}
