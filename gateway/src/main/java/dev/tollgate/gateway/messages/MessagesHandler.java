package dev.tollgate.gateway.messages;

import dev.tollgate.gateway.config.GatewayProperties;
import dev.tollgate.gateway.json.JsonBodies;
import dev.tollgate.gateway.pipeline.ChatPipeline;
import dev.tollgate.gateway.web.RequestIds;
import java.time.Instant;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/messages}: checks an Anthropic Messages request, translates it into a
 * chat-completions body, and hands both to the {@link ChatPipeline} with the Anthropic dialect,
 * which sends the request as it came to deployments that speak the Messages API and the translation
 * to the others. Bad input is refused here, before anything is reserved or sent upstream: also what
 * the translation refuses, since routing may fall back to a deployment that needs it.
 */
@Component
public class MessagesHandler {

  private final ChatPipeline pipeline;
  private final long maxRequestBytes;

  public MessagesHandler(ChatPipeline pipeline, GatewayProperties properties) {
    this.pipeline = pipeline;
    this.maxRequestBytes = properties.maxRequestSize().toBytes();
  }

  public Mono<ServerResponse> handle(ServerRequest request) {
    long startNanos = System.nanoTime();
    Instant startedAt = Instant.now();
    return JsonBodies.readObject(request, maxRequestBytes)
        .flatMap(
            body -> {
              String model = MessagesRequests.validate(body);
              ObjectNode chat = MessagesRequestTranslator.translate(body);
              MessagesDialect dialect =
                  new MessagesDialect(
                      MessagesWire.messageId(RequestIds.of(request.exchange())), model, body);
              return pipeline.serve(
                  request.exchange(), chat, model, dialect, startedAt, startNanos);
            });
  }
}
