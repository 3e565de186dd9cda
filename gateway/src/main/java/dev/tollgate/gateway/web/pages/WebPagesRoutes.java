package dev.tollgate.gateway.web.pages;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * {@code GET /chat}, {@code GET /dashboard}, their files under {@code /web/} and {@code
 * /web/config.json}. Public: the pages carry no data; the API calls they make carry the customer's
 * key or token. Off with {@code gateway.web.enabled=false}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "gateway.web.enabled", havingValue = "true", matchIfMissing = true)
public class WebPagesRoutes {

  @Bean
  RouterFunction<ServerResponse> webPagesRouter(
      WebPagesProperties properties,
      @Value("${spring.security.oauth2.resourceserver.jwt.issuer-uri:}") String issuer) {
    WebPagesHandler pages =
        new WebPagesHandler(WebFiles.load(), properties, issuer.isBlank() ? null : issuer);
    return RouterFunctions.route(GET("/chat"), pages::chat)
        .andRoute(GET("/dashboard"), pages::dashboard)
        .andRoute(GET("/web/config.json"), pages::config)
        .andRoute(GET("/web/{name}"), pages::file);
  }
}
