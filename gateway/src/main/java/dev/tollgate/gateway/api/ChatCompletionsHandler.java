package dev.tollgate.gateway.api;

import dev.tollgate.gateway.config.GatewayProperties;
import dev.tollgate.gateway.json.JsonBodies;
import dev.tollgate.gateway.pipeline.ChatPipeline;
import dev.tollgate.gateway.pipeline.ChatRequests;
import java.time.Instant;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code POST /v1/chat/completions}: checks the request and hands it to the {@link ChatPipeline},
 * which relays the upstream's answer as it came. Maps HTTP to calls and back; nothing more.
 */
@Component
public class ChatCompletionsHandler {

  /** The request's cost, decimal in the account currency, on non-streamed responses. */
  public static final String COST_HEADER = ChatPipeline.COST_HEADER;

  private final ChatPipeline pipeline;
  private final long maxRequestBytes;

  public ChatCompletionsHandler(ChatPipeline pipeline, GatewayProperties properties) {
    this.pipeline = pipeline;
    this.maxRequestBytes = properties.maxRequestSize().toBytes();
  }

  public Mono<ServerResponse> handle(ServerRequest request) {
    long startNanos = System.nanoTime();
    Instant startedAt = Instant.now();
    return JsonBodies.readObject(request, maxRequestBytes)
        .flatMap(
            body -> {
              String model = ChatRequests.validate(body);
              return pipeline.serve(
                  request.exchange(),
                  body,
                  model,
                  new OpenAiDialect(ChatRequests.wantsUsage(body)),
                  startedAt,
                  startNanos);
            });
  }
}
