package dev.tollgate.gateway.web.pages;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * An OpenID Connect provider for the browser tests, on port 0: discovery, JWKS, an authorization
 * endpoint that logs in {@link #subject} at once (no form) and redirects back with a code, and a
 * token endpoint that checks the PKCE verifier against the code's S256 challenge before it issues a
 * signed RS256 access token. It refuses anything else, so a page that gets PKCE wrong fails.
 */
final class FakeIdentityProvider {

  static final String CLIENT_ID = "tollgate-web-test";
  static final String AUDIENCE = "tollgate-web-test-api";

  private record Grant(String challenge, String redirectUri) {}

  private final RSAKey key;
  private final DisposableServer server;
  private final Map<String, Grant> grants = new ConcurrentHashMap<>();
  final AtomicInteger tokensIssued = new AtomicInteger();
  // Codes from a counter: a random source would block the event loop (BlockHound watches it).
  private final String codePrefix = "code-" + UUID.randomUUID() + "-";
  private final AtomicLong codes = new AtomicLong();
  volatile String subject = "nobody";

  FakeIdentityProvider() {
    try {
      key = new RSAKeyGenerator(2048).keyID("web-test").generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    String jwks = new JWKSet(key.toPublicJWK()).toString();
    server =
        HttpServer.create()
            .runOn(LoopResources.create("test-idp", 1, true))
            .host("127.0.0.1")
            .port(0)
            .route(
                routes ->
                    routes
                        .get(
                            "/.well-known/openid-configuration",
                            (request, response) -> json(response, discovery()))
                        .get("/jwks", (request, response) -> json(response, jwks))
                        .get(
                            "/authorize",
                            (request, response) -> {
                              Map<String, String> q = query(request.uri());
                              if (!CLIENT_ID.equals(q.get("client_id"))
                                  || !"code".equals(q.get("response_type"))
                                  || !"S256".equals(q.get("code_challenge_method"))
                                  || q.get("code_challenge") == null
                                  || q.get("redirect_uri") == null) {
                                return response.status(400).sendString(Mono.just("bad request"));
                              }
                              String code = codePrefix + codes.incrementAndGet();
                              grants.put(
                                  code, new Grant(q.get("code_challenge"), q.get("redirect_uri")));
                              return response
                                  .status(HttpResponseStatus.FOUND)
                                  .header(
                                      "Location",
                                      q.get("redirect_uri")
                                          + "?code="
                                          + code
                                          + "&state="
                                          + q.get("state"))
                                  .send();
                            })
                        .post(
                            "/token",
                            (request, response) ->
                                request
                                    .receive()
                                    .aggregate()
                                    .asString(StandardCharsets.UTF_8)
                                    // Signing is CPU work that may read a random source: off the
                                    // loop.
                                    .publishOn(Schedulers.boundedElastic())
                                    .flatMap(
                                        body -> {
                                          String token = exchange(form(body));
                                          response.header("Access-Control-Allow-Origin", "*");
                                          if (token == null) {
                                            return response
                                                .status(400)
                                                .sendString(
                                                    Mono.just("{\"error\":\"invalid_grant\"}"))
                                                .then();
                                          }
                                          return json(
                                                  response,
                                                  "{\"access_token\":\""
                                                      + token
                                                      + "\",\"token_type\":\"Bearer\","
                                                      + "\"expires_in\":600}")
                                              .then();
                                        })))
            .bindNow();
  }

  String issuer() {
    return "http://127.0.0.1:" + server.port();
  }

  String jwksUri() {
    return issuer() + "/jwks";
  }

  private String discovery() {
    return "{\"issuer\":\""
        + issuer()
        + "\",\"authorization_endpoint\":\""
        + issuer()
        + "/authorize\",\"token_endpoint\":\""
        + issuer()
        + "/token\",\"jwks_uri\":\""
        + jwksUri()
        + "\",\"response_types_supported\":[\"code\"],"
        + "\"code_challenge_methods_supported\":[\"S256\"]}";
  }

  /** The access token for a valid code and verifier; null otherwise. A code is used once. */
  private String exchange(Map<String, String> form) {
    Grant grant = form.get("code") == null ? null : grants.remove(form.get("code"));
    String verifier = form.get("code_verifier");
    if (grant == null
        || verifier == null
        || !"authorization_code".equals(form.get("grant_type"))
        || !CLIENT_ID.equals(form.get("client_id"))
        || !grant.redirectUri().equals(form.get("redirect_uri"))
        || !grant.challenge().equals(s256(verifier))) {
      return null;
    }
    tokensIssued.incrementAndGet();
    return sign(subject);
  }

  private String sign(String sub) {
    Instant now = Instant.now();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(sub)
            .issuer(issuer())
            .audience(AUDIENCE)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(Duration.ofMinutes(10))))
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
    try {
      jwt.sign(new RSASSASigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }

  private static String s256(String verifier) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static reactor.netty.NettyOutbound json(
      reactor.netty.http.server.HttpServerResponse response, String body) {
    return response
        .header("content-type", "application/json")
        .header("Access-Control-Allow-Origin", "*")
        .sendString(Mono.just(body));
  }

  private static Map<String, String> query(String uri) {
    Map<String, String> out = new HashMap<>();
    new QueryStringDecoder(uri).parameters().forEach((k, v) -> out.put(k, v.get(0)));
    return out;
  }

  private static Map<String, String> form(String body) {
    Map<String, String> out = new HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }
}
