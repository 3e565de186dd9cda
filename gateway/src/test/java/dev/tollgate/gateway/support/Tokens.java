package dev.tollgate.gateway.support;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * A tiny identity provider for tests: an RSA key pair, its JWKS served over HTTP on port 0, and
 * real signed JWTs (Nimbus) with any issuer, audience, subject and lifetime.
 */
public final class Tokens {

  public static final String ISSUER = "https://idp.test.tollgate.dev/";
  public static final String AUDIENCE = "tollgate-account-api";

  private final RSAKey key;
  private final RSAKey stranger;
  private final DisposableServer jwks;
  private final AtomicInteger jwksFetches = new AtomicInteger();

  public Tokens() {
    try {
      key = new RSAKeyGenerator(2048).keyID("test-key").generate();
      // The same key id, another key: what a forged signature looks like.
      stranger = new RSAKeyGenerator(2048).keyID("test-key").generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    String body = new JWKSet(key.toPublicJWK()).toString();
    jwks =
        // Its own event loop: Reactor Netty's global one is disposed when a test context closes.
        HttpServer.create()
            .runOn(LoopResources.create("test-jwks", 1, true))
            .host("127.0.0.1")
            .port(0)
            .route(
                routes ->
                    routes.get(
                        "/jwks",
                        (request, response) -> {
                          jwksFetches.incrementAndGet();
                          return response
                              .header("content-type", "application/json")
                              .sendString(Mono.just(body));
                        }))
            .bindNow();
  }

  public String jwksUri() {
    return "http://127.0.0.1:" + jwks.port() + "/jwks";
  }

  /** How many times the JWK set has been fetched. */
  public int jwksFetches() {
    return jwksFetches.get();
  }

  /** A token signed by a key the JWK set does not have, under key id {@code kid}. */
  public String unknownKeyId(String subject, String kid) {
    try {
      RSAKey unknown = new RSAKeyGenerator(2048).keyID(kid).generate();
      return sign(unknown, subject, ISSUER, AUDIENCE, Duration.ofMinutes(5));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A validly signed token without {@code exp}. */
  public String withoutExpiry(String subject) {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(subject)
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .issueTime(Date.from(Instant.now()))
            .build();
    return sign(key, claims);
  }

  public String valid(String subject) {
    return sign(key, subject, ISSUER, AUDIENCE, Duration.ofMinutes(5));
  }

  /** A valid token whose {@code scope} claim is {@code scope} (space-separated scopes). */
  public String withScope(String subject, String scope) {
    return sign(key, subject, ISSUER, AUDIENCE, Duration.ofMinutes(5), scope);
  }

  public String expired(String subject) {
    return sign(key, subject, ISSUER, AUDIENCE, Duration.ofMinutes(-5));
  }

  public String wrongIssuer(String subject) {
    return sign(key, subject, "https://evil.example/", AUDIENCE, Duration.ofMinutes(5));
  }

  public String wrongAudience(String subject) {
    return sign(key, subject, ISSUER, "someone-else", Duration.ofMinutes(5));
  }

  public String forged(String subject) {
    return sign(stranger, subject, ISSUER, AUDIENCE, Duration.ofMinutes(5));
  }

  private static String sign(
      RSAKey signer, String subject, String issuer, String audience, Duration lifetime) {
    return sign(signer, subject, issuer, audience, lifetime, null);
  }

  private static String sign(
      RSAKey signer,
      String subject,
      String issuer,
      String audience,
      Duration lifetime,
      @Nullable String scope) {
    Instant now = Instant.now();
    Instant issued = lifetime.isNegative() ? now.plus(lifetime).minusSeconds(600) : now;
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(subject)
            .issuer(issuer)
            .audience(audience)
            .issueTime(Date.from(issued))
            .expirationTime(Date.from(now.plus(lifetime)))
            .claim("scope", scope)
            .build();
    return sign(signer, claims);
  }

  private static String sign(RSAKey signer, JWTClaimsSet claims) {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signer.getKeyID()).build(), claims);
    try {
      jwt.sign(new RSASSASigner(signer));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }
}
