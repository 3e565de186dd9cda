package dev.tollgate.gateway.account;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.reactive.JwkSetUriReactiveJwtDecoderBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * What Spring Boot's JWT decoder gets on top of its own checks (signature, issuer, audience, {@code
 * exp} and {@code nbf} when present): a token must carry {@code exp} (one without would be valid
 * forever), and the JWK set is fetched at most once per {@code
 * gateway.auth.jwks.min-refetch-interval} ({@link JwksRefetchLimit}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(JwtHardening.JwksProperties.class)
public class JwtHardening {

  /**
   * {@code gateway.auth.jwks.*}.
   *
   * @param minRefetchInterval the shortest time between two fetches of the JWK set
   */
  @ConfigurationProperties("gateway.auth.jwks")
  public record JwksProperties(@DefaultValue("30s") Duration minRefetchInterval) {
    public JwksProperties {
      if (minRefetchInterval == null || minRefetchInterval.isNegative()) {
        throw new IllegalArgumentException(
            "gateway.auth.jwks.min-refetch-interval: " + minRefetchInterval + " (expected: >= 0)");
      }
    }
  }

  @Bean
  OAuth2TokenValidator<Jwt> expiryRequired() {
    OAuth2TokenValidatorResult missing =
        OAuth2TokenValidatorResult.failure(
            new OAuth2Error("invalid_token", "The token has no expiry (exp).", null));
    return jwt -> jwt.getExpiresAt() == null ? missing : OAuth2TokenValidatorResult.success();
  }

  @Bean
  JwkSetUriReactiveJwtDecoderBuilderCustomizer jwksRefetchLimit(JwksProperties properties) {
    WebClient client =
        WebClient.builder()
            .filter(new JwksRefetchLimit(properties.minRefetchInterval(), System::nanoTime))
            .build();
    return builder -> builder.webClient(client);
  }
}
