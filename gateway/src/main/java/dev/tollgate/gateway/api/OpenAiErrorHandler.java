package dev.tollgate.gateway.api;

import dev.tollgate.adapter.UpstreamException;
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
 * The one place that turns exceptions into HTTP answers in the OpenAI error shape, with the
 * statuses client SDKs expect. Runs before Spring's default handler.
 */
@Component
@Order(-2)
public class OpenAiErrorHandler implements WebExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(OpenAiErrorHandler.class);

  @Override
  public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
    ServerHttpResponse response = exchange.getResponse();
    if (response.isCommitted()) {
      return Mono.error(ex);
    }
    int status;
    byte[] body;
    switch (ex) {
      case GatewayException e -> {
        status = e.status();
        body = OpenAiErrors.body(e);
      }
      case UpstreamException e -> {
        status = e.status();
        body = OpenAiErrors.body(e);
      }
      case ResponseStatusException e -> {
        status = e.getStatusCode().value();
        String message =
            status == 404
                ? "Unknown request URL: "
                    + exchange.getRequest().getMethod()
                    + " "
                    + exchange.getRequest().getPath().value()
                : e.getReason() != null ? e.getReason() : e.getStatusCode().toString();
        body = OpenAiErrors.body(message, "invalid_request_error", null, null);
      }
      default -> {
        log.error("Unexpected error on {}", exchange.getRequest().getPath().value(), ex);
        status = HttpStatus.INTERNAL_SERVER_ERROR.value();
        body =
            OpenAiErrors.body(
                "The gateway failed to handle the request.", "server_error", null, null);
      }
    }
    response.setStatusCode(HttpStatusCode.valueOf(status));
    HttpHeaders headers = response.getHeaders();
    headers.remove(HttpHeaders.CACHE_CONTROL);
    headers.remove("X-Accel-Buffering");
    headers.setContentType(MediaType.APPLICATION_JSON);
    headers.setContentLength(body.length);
    return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
  }
}
