package dev.tollgate.gateway.support;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * Reactor Netty event loops of the context's own, for a test that closes its gateway while other
 * gateways of the same test JVM run on. With Spring Boot's default (global resources) closing a
 * context disposes Reactor Netty's global loops, and with them every other server of the JVM that
 * runs on them: the cached gateways and their fake upstreams then refuse connections.
 */
@TestConfiguration(proxyBeanMethods = false)
public class OwnNettyResources {

  @Bean
  ReactorResourceFactory reactorResourceFactory() {
    ReactorResourceFactory factory = new ReactorResourceFactory();
    factory.setUseGlobalResources(false);
    return factory;
  }
}
