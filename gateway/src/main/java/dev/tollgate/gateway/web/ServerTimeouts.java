package dev.tollgate.gateway.web;

import dev.tollgate.gateway.web.internal.HeaderReadTimeout;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.netty.NettyPipeline;

/**
 * Read timeouts of the HTTP server, so that slow or silent clients cannot hold connections open:
 * the header deadline ({@link HeaderReadTimeout}), Reactor Netty's read timeout between two reads
 * of a request body, and (configured by Spring Boot) {@code server.netty.idle-timeout} for idle
 * keep-alive connections and connections that never send anything.
 */
@Configuration(proxyBeanMethods = false)
public class ServerTimeouts {

  @Bean
  NettyServerCustomizer serverReadTimeouts(ServerTimeoutProperties timeouts) {
    long headerNanos = timeouts.headerReadTimeout().toNanos();
    return server ->
        server
            .readTimeout(timeouts.bodyReadTimeout())
            .doOnChannelInit(
                (observer, channel, remoteAddress) -> {
                  if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
                    HeaderReadTimeout.install(channel.pipeline(), headerNanos);
                  }
                });
  }
}
