package dev.tollgate.gateway.web.pages;

import java.net.URI;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.web.*}: the customer's pages.
 *
 * @param enabled whether {@code /chat}, {@code /dashboard} and their files are served
 * @param topUpUrl where the pages send a customer whose balance is used up (the reseller's top-up
 *     page; the dashboard by default)
 * @param oidc the browser login through the identity provider that {@code
 *     spring.security.oauth2.resourceserver.jwt.issuer-uri} names
 */
@ConfigurationProperties("gateway.web")
public record WebPagesProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("/dashboard") String topUpUrl,
    @DefaultValue Oidc oidc) {

  public WebPagesProperties {
    if (topUpUrl.isBlank()) {
      throw new IllegalArgumentException("gateway.web.top-up-url: '' (expected: a URL or a path)");
    }
  }

  /**
   * {@code gateway.web.oidc.*}: the pages' OIDC client (authorization code with PKCE, a public
   * client: no secret).
   *
   * @param clientId the client id registered at the identity provider for the pages; without it the
   *     pages offer only the API-key sign-in
   * @param scope the scopes the pages ask for
   * @param audience an {@code audience} parameter for providers that need one to issue a JWT access
   *     token for the gateway (Auth0); none by default
   */
  public record Oidc(
      @Nullable String clientId, @DefaultValue("openid") String scope, @Nullable String audience) {

    public Oidc {
      if (clientId != null && clientId.isBlank()) {
        clientId = null;
      }
      if (audience != null && audience.isBlank()) {
        audience = null;
      }
    }
  }

  /** The origin (scheme, host, port) of an issuer URI, for the pages' connect-src. */
  static String origin(String issuer) {
    URI uri = URI.create(issuer);
    if (uri.getScheme() == null || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "spring.security.oauth2.resourceserver.jwt.issuer-uri: '"
              + issuer
              + "' (expected: an absolute URL)");
    }
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
  }
}
