package dev.tollgate.gateway.api;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RequestPredicates.POST;

import dev.tollgate.billing.metering.UsageSink;
import dev.tollgate.gateway.billing.GenerationRepository;
import dev.tollgate.gateway.relay.LoggingUsageSink;
import io.r2dbc.pool.ConnectionPool;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** The data-plane API, OpenAI-compatible. */
@Configuration(proxyBeanMethods = false)
public class ApiRoutes {

  @Bean
  RouterFunction<ServerResponse> apiRouter(
      ChatCompletionsHandler chatCompletions, EmbeddingsHandler embeddings, ModelsHandler models) {
    return RouterFunctions.route(POST("/v1/chat/completions"), chatCompletions::handle)
        .andRoute(POST("/v1/embeddings"), embeddings::handle)
        .andRoute(GET("/v1/models"), models::list);
  }

  /** Needs PostgreSQL: only with billing on. */
  @Bean
  @ConditionalOnProperty(
      name = "gateway.billing.enabled",
      havingValue = "true",
      matchIfMissing = true)
  RouterFunction<ServerResponse> generationRouter(ConnectionPool connections) {
    GenerationHandler handler = new GenerationHandler(new GenerationRepository(connections));
    return RouterFunctions.route(GET("/v1/generation/{id}"), handler::get);
  }

  @Bean
  @ConditionalOnMissingBean
  UsageSink usageSink() {
    return new LoggingUsageSink();
  }
}
