package dev.tollgate.gateway.messages;

import static org.springframework.web.reactive.function.server.RequestPredicates.POST;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** The Anthropic-compatible endpoint, beside the OpenAI-compatible ones of {@code ApiRoutes}. */
@Configuration(proxyBeanMethods = false)
public class MessagesRoutes {

  @Bean
  RouterFunction<ServerResponse> messagesRouter(MessagesHandler messages) {
    return RouterFunctions.route(POST("/v1/messages"), messages::handle);
  }
}
