package dev.tollgate.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.support.RawHttp;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Regression: a client that sent half a request and then nothing, or a byte now and then, kept its
 * connection open forever (300 such connections stayed open). Headers must now arrive within {@code
 * gateway.server.header-read-timeout}; idle keep-alive connections close after {@code
 * server.netty.idle-timeout}.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gateway.billing.enabled=false",
      "gateway.dev-keys[0]=" + SlowlorisTest.KEY,
      "gateway.server.header-read-timeout=1s",
      "server.netty.idle-timeout=3s"
    })
class SlowlorisTest {

  static final String KEY = "sk-gw-slowloris-0123456789";

  @LocalServerPort int port;

  @Test
  void halfAHeaderLineIsClosedAfterTheHeaderTimeout() throws IOException {
    try (RawHttp http = RawHttp.connect(port, 10_000)) {
      long start = System.nanoTime();
      http.sendRaw("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthoriz");
      assertThat(http.closedByServer()).isTrue();
      assertThat(elapsed(start)).isBetween(Duration.ofMillis(900), Duration.ofMillis(2_900));
    }
  }

  @Test
  void aTrickleOfHeaderBytesIsClosedAfterTheHeaderTimeoutToo() throws Exception {
    try (RawHttp http = RawHttp.connect(port, 10_000)) {
      long start = System.nanoTime();
      String head = "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
      http.sendRaw(head);
      boolean closed = false;
      // One byte every 200 ms: the connection is never idle, yet the headers never end.
      for (int i = 0; i < 25 && !closed; i++) {
        Thread.sleep(200);
        try {
          http.sendRaw("a");
        } catch (IOException e) {
          closed = true;
        }
      }
      assertThat(closed || http.closedByServer()).isTrue();
      assertThat(elapsed(start)).isBetween(Duration.ofMillis(900), Duration.ofMillis(3_900));
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeoutNotTheHeaderTimeout() throws Exception {
    try (RawHttp http = RawHttp.connect(port, 10_000)) {
      assertThat(http.request("GET", "/v1/models", KEY, null).status()).isEqualTo(200);
      // Idle for longer than the header timeout: still open, and serves the next request.
      Thread.sleep(1_500);
      assertThat(http.request("GET", "/v1/models", KEY, null).status()).isEqualTo(200);
      long start = System.nanoTime();
      assertThat(http.closedByServer()).isTrue();
      assertThat(elapsed(start)).isBetween(Duration.ofMillis(2_500), Duration.ofMillis(6_000));
    }
  }

  @Test
  void aRequestSentAtOnceIsServed() throws IOException {
    RawHttp.Response answer = RawHttp.exchange(port, "GET", "/v1/models", KEY, null);
    assertThat(answer.status()).isEqualTo(200);
  }

  private static Duration elapsed(long start) {
    return Duration.ofNanos(System.nanoTime() - start);
  }
}
