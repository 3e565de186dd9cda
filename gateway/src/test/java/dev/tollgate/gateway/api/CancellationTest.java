package dev.tollgate.gateway.api;

import static dev.tollgate.gateway.support.FakeUpstream.sse;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.metering.UsageSource;
import dev.tollgate.gateway.support.FakeUpstream;
import dev.tollgate.gateway.support.GatewayTestBase;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;

/** A client that goes away mid-stream: the upstream request is cancelled, the usage recorded. */
class CancellationTest extends GatewayTestBase {

  /**
   * Three rounds: the first one pays for class loading and JIT of the cancel path, so it only has
   * to cancel within a second; the others within 100 ms.
   */
  @Test
  void aClientDisconnectCancelsTheUpstreamWithin100msAndIsStillMetered() throws Exception {
    for (int round = 0; round < 3; round++) {
      cancelMidStream(round == 0 ? Duration.ofSeconds(1) : Duration.ofMillis(100));
    }
  }

  private void cancelMidStream(Duration limit) throws Exception {
    UPSTREAM.clear();
    usage.clear();
    List<String> events = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      events.add(
          "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
              + "\"delta\":{\"content\":\" word\"},\"finish_reason\":null}]}\n\n");
    }
    UPSTREAM.script(sse(events, Duration.ofMillis(20)));

    AtomicLong disconnectedAt = new AtomicLong();
    AtomicInteger received = new AtomicInteger();
    AtomicReference<String> requestId = new AtomicReference<>();
    HttpClient.newConnection()
        .headers(h -> h.set("Authorization", "Bearer " + KEY))
        .post()
        .uri("http://127.0.0.1:" + port + "/v1/chat/completions")
        .send(
            ByteBufMono.fromString(
                Mono.just(
                    "{\"model\":\"fake-model\",\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}")))
        .response(
            (response, content) -> {
              requestId.set(response.responseHeaders().get("x-request-id"));
              return content
                  .asString(StandardCharsets.UTF_8)
                  .doOnNext(s -> received.addAndGet(count(s, "data: ")))
                  .takeUntil(s -> received.get() >= 5)
                  .doOnComplete(() -> disconnectedAt.set(System.nanoTime()));
            })
        .blockLast(Duration.ofSeconds(10));

    FakeUpstream.Recorder upstream = UPSTREAM.takeRecorder();
    long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (upstream.closedAtNanos < 0
        && upstream.cancelledAtNanos < 0
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    long stoppedAt =
        upstream.cancelledAtNanos >= 0 ? upstream.cancelledAtNanos : upstream.closedAtNanos;
    assertThat(stoppedAt).as("the upstream saw the cancel").isPositive();
    assertThat(Duration.ofNanos(stoppedAt - disconnectedAt.get())).isLessThan(limit);

    UsageRecord record = usage.take(requestId.get());
    assertThat(record.status()).isEqualTo(RequestStatus.CANCELLED);
    assertThat(record.source()).isEqualTo(UsageSource.PARTIAL);
    // every relayed chunk is one token (" word"); the client read at least 5, far fewer than 300
    assertThat(record.completionTokens()).isBetween(5L, 60L);
    assertThat(record.promptTokens()).isPositive();
  }

  @Test
  void aClientThatLeavesBeforeTheFirstEventIsRecordedAsCancelled() throws Exception {
    UPSTREAM.script(
        FakeUpstream.delayed(
            Duration.ofMillis(800),
            sse(
                List.of("data: {\"choices\":[{\"delta\":{\"content\":\"late\"}}]}\n\n"),
                Duration.ZERO)));

    String body =
        "{\"model\":\"fake-model\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    try (Socket socket = new Socket("127.0.0.1", port)) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                  + KEY
                  + "\r\nContent-Type: application/json\r\nContent-Length: "
                  + body.length()
                  + "\r\n\r\n"
                  + body)
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Thread.sleep(200); // the client gives up before the upstream's first event (800 ms)
    }

    UsageRecord record = usage.take();
    assertThat(record.status()).isEqualTo(RequestStatus.CANCELLED);
    assertThat(record.completionTokens()).isZero();
    assertThat(record.timeToFirstToken()).isNull();
  }

  private static int count(String s, String needle) {
    int n = 0;
    for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }
}
