package dev.tollgate.gateway.admin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.admin.*}: the admin API.
 *
 * @param masterKey a bearer token the admin API accepts; empty disables it. JWTs with the scope
 *     {@code admin} are accepted too when {@code spring.security.oauth2.resourceserver.jwt.*} is
 *     set; with neither, every {@code /admin/**} request answers 404
 */
@ConfigurationProperties("gateway.admin")
public record AdminProperties(@DefaultValue("") String masterKey) {

  public AdminProperties {
    masterKey = masterKey == null ? "" : masterKey.trim();
  }

  public boolean enabled() {
    return !masterKey.isEmpty();
  }
}
