package dev.tollgate.gateway.api;

import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.gateway.error.AnthropicErrors;
import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.error.OpenAiErrors;
import dev.tollgate.gateway.web.AllowedMethods;
import dev.tollgate.gateway.web.RequestIds;
import dev.tollgate.gateway.web.RequestPaths;
import io.lettuce.core.RedisException;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * The one place that turns exceptions into HTTP answers, with the statuses client SDKs expect: in
 * the OpenAI error shape, or in the Anthropic one on the Anthropic Messages endpoint ({@link
 * AnthropicErrors#appliesTo}). Runs before Spring's default handler. A known path asked with a
 * method it does not answer is a 405 with {@code Allow} ({@link AllowedMethods}), not a 404.
 */
@Component
@Order(-2)
public class OpenAiErrorHandler implements WebExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(OpenAiErrorHandler.class);

  /** How long a client is asked to wait before retrying a 503 (Redis or PostgreSQL away). */
  static final String RETRY_AFTER_UNAVAILABLE_SECONDS = "1";

  private final AllowedMethods allowedMethods;

  public OpenAiErrorHandler(AllowedMethods allowedMethods) {
    this.allowedMethods = Objects.requireNonNull(allowedMethods, "allowedMethods");
  }

  @Override
  public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
    ServerHttpResponse response = exchange.getResponse();
    if (response.isCommitted()) {
      return Mono.error(error);
    }
    // Redis failing outside billing's own mapping (rate limits, concurrency slots): the same 503.
    Throwable ex =
        error instanceof RedisException
            ? GatewayException.billingUnavailable()
            : methodNotAllowed(exchange, error);
    int status = statusOf(ex);
    byte[] body;
    if (AnthropicErrors.appliesTo(RequestPaths.routed(exchange.getRequest()))) {
      body = AnthropicErrors.body(status, messageOf(exchange, ex, status), requestIdOf(exchange));
    } else {
      body =
          switch (ex) {
            case GatewayException e -> OpenAiErrors.body(e);
            case UpstreamException e -> OpenAiErrors.body(e);
            case ResponseStatusException e ->
                OpenAiErrors.body(
                    messageOf(exchange, e, status), "invalid_request_error", null, null);
            default ->
                OpenAiErrors.body(messageOf(exchange, ex, status), "server_error", null, null);
          };
    }
    response.setStatusCode(HttpStatusCode.valueOf(status));
    HttpHeaders headers = response.getHeaders();
    headers.remove(HttpHeaders.CACHE_CONTROL);
    headers.remove("X-Accel-Buffering");
    headers.setContentType(MediaType.APPLICATION_JSON);
    if (status == HttpStatus.SERVICE_UNAVAILABLE.value()) {
      headers.set(HttpHeaders.RETRY_AFTER, RETRY_AFTER_UNAVAILABLE_SECONDS);
    }
    headers.setContentLength(body.length);
    return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
  }

  /**
   * A 404 of the router on a path that other methods answer becomes a 405 with {@code Allow};
   * anything else stays as it is.
   */
  private Throwable methodNotAllowed(ServerWebExchange exchange, Throwable ex) {
    if (!(ex instanceof ResponseStatusException e) || e.getStatusCode().value() != 404) {
      return ex;
    }
    Set<String> allowed = allowedMethods.allowed(exchange.getRequest());
    String method = exchange.getRequest().getMethod().name();
    if (allowed.isEmpty() || allowed.contains(method)) {
      return ex;
    }
    String allow = String.join(", ", allowed);
    exchange.getResponse().getHeaders().set(HttpHeaders.ALLOW, allow);
    return new GatewayException(
        405,
        "invalid_request_error",
        "method_not_allowed",
        null,
        "Method "
            + method
            + " is not allowed on "
            + exchange.getRequest().getPath().value()
            + " (expected: "
            + allow
            + ").");
  }

  private static int statusOf(Throwable ex) {
    return switch (ex) {
      case GatewayException e -> e.status();
      case UpstreamException e -> e.status();
      case ResponseStatusException e -> e.getStatusCode().value();
      default -> HttpStatus.INTERNAL_SERVER_ERROR.value();
    };
  }

  private static String messageOf(ServerWebExchange exchange, Throwable ex, int status) {
    return switch (ex) {
      case GatewayException e -> String.valueOf(e.getMessage());
      case UpstreamException e -> String.valueOf(e.getMessage());
      case ResponseStatusException e ->
          status == 404
              ? "Unknown request URL: "
                  + exchange.getRequest().getMethod()
                  + " "
                  + exchange.getRequest().getPath().value()
              : e.getReason() != null ? e.getReason() : e.getStatusCode().toString();
      default -> {
        log.error("Unexpected error on {}", exchange.getRequest().getPath().value(), ex);
        yield "The gateway failed to handle the request.";
      }
    };
  }

  private static @Nullable String requestIdOf(ServerWebExchange exchange) {
    return exchange.getAttribute(RequestIds.ATTRIBUTE);
  }
}
