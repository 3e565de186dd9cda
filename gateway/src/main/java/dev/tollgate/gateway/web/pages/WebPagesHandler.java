package dev.tollgate.gateway.web.pages;

import dev.tollgate.adapter.Json;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * Serves the pages, their files and their public configuration, each with a strict
 * Content-Security-Policy: scripts and styles from the gateway only, no inline script, connections
 * to the gateway (and to the identity provider, for the browser login) only.
 */
final class WebPagesHandler {

  private static final CacheControl REVALIDATE = CacheControl.noCache();
  private static final CacheControl FOREVER =
      CacheControl.maxAge(Duration.ofDays(365)).cachePublic().immutable();

  private final WebFiles files;
  private final String policy;
  private final byte[] config;
  private final String configTag;

  /**
   * @param issuer the identity provider's issuer, when a browser login is configured
   */
  WebPagesHandler(WebFiles files, WebPagesProperties properties, @Nullable String issuer) {
    this.files = Objects.requireNonNull(files, "files");
    String clientId = properties.oidc().clientId();
    boolean login = issuer != null && clientId != null;
    this.policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'"
            + (login ? " " + WebPagesProperties.origin(issuer) : "")
            + "; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("top_up_url", properties.topUpUrl());
    if (login) {
      ObjectNode oidc = out.putObject("oidc");
      oidc.put("issuer", issuer);
      oidc.put("client_id", clientId);
      oidc.put("scope", properties.oidc().scope());
      oidc.put("audience", properties.oidc().audience());
    } else {
      out.putNull("oidc");
    }
    this.config = Json.MAPPER.writeValueAsBytes(out);
    this.configTag = "\"" + files.version() + "-" + Integer.toHexString(out.hashCode()) + "\"";
  }

  Mono<ServerResponse> chat(ServerRequest request) {
    return page(request, "chat.html");
  }

  Mono<ServerResponse> dashboard(ServerRequest request) {
    return page(request, "dashboard.html");
  }

  /** A page: always revalidated, so a new build shows at once. */
  private Mono<ServerResponse> page(ServerRequest request, String name) {
    WebFiles.File file = Objects.requireNonNull(files.get(name), name);
    return serve(request, file.body(), file.type(), "\"" + files.version() + "\"", REVALIDATE);
  }

  /** A file the pages refer to: kept forever when asked for with the current version. */
  Mono<ServerResponse> file(ServerRequest request) {
    String name = request.pathVariable("name");
    WebFiles.File file = files.get(name);
    if (file == null || name.endsWith(".html")) {
      return ServerResponse.status(HttpStatus.NOT_FOUND)
          .contentType(MediaType.TEXT_PLAIN)
          .bodyValue("Not found");
    }
    boolean current = request.queryParam("v").filter(files.version()::equals).isPresent();
    return serve(
        request,
        file.body(),
        file.type(),
        "\"" + files.version() + "\"",
        current ? FOREVER : REVALIDATE);
  }

  /** What the pages need to know: the browser login's issuer and client id, the top-up link. */
  Mono<ServerResponse> config(ServerRequest request) {
    return serve(request, config, MediaType.APPLICATION_JSON, configTag, REVALIDATE);
  }

  private Mono<ServerResponse> serve(
      ServerRequest request, byte[] body, MediaType type, String etag, CacheControl cache) {
    boolean unchanged =
        request.headers().header("If-None-Match").stream()
            .anyMatch(tags -> tags.contains(etag) || tags.trim().equals("*"));
    ServerResponse.BodyBuilder builder =
        ServerResponse.status(unchanged ? HttpStatus.NOT_MODIFIED : HttpStatus.OK)
            .eTag(etag)
            .cacheControl(cache)
            .header("Content-Security-Policy", policy)
            .header("X-Content-Type-Options", "nosniff")
            .header("Referrer-Policy", "no-referrer")
            .header("X-Frame-Options", "DENY");
    if (unchanged) {
      return builder.build();
    }
    return builder.contentType(type).contentLength(body.length).bodyValue(body);
  }
}
