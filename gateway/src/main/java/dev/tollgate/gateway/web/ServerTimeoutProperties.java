package dev.tollgate.gateway.web;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.server.*}: how long a client may take to send a request. The wait for a request on
 * an idle keep-alive connection is Spring Boot's {@code server.netty.idle-timeout}.
 *
 * @param headerReadTimeout from the first byte of a request to the end of its headers; a client
 *     that trickles its headers (slowloris) is disconnected after this, however steadily it sends
 * @param bodyReadTimeout the longest pause between two reads of a request body
 */
@ConfigurationProperties("gateway.server")
public record ServerTimeoutProperties(
    @DefaultValue("20s") Duration headerReadTimeout,
    @DefaultValue("60s") Duration bodyReadTimeout) {

  public ServerTimeoutProperties {
    requirePositive(headerReadTimeout, "header-read-timeout");
    requirePositive(bodyReadTimeout, "body-read-timeout");
  }

  private static void requirePositive(Duration value, String name) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(
          "gateway.server." + name + ": " + value + " (expected: > 0)");
    }
  }
}
