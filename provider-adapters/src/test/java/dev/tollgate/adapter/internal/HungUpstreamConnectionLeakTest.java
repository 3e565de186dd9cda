package dev.tollgate.adapter.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.ProviderAdapterFactory;
import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.ProviderSpec.Timeouts;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.anthropic.AnthropicAdapterFactory;
import dev.tollgate.adapter.gemini.GeminiAdapterFactory;
import dev.tollgate.adapter.openai.OpenAiAdapterFactory;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpServer;
import reactor.test.StepVerifier;
import tools.jackson.databind.node.ObjectNode;

/**
 * Regression (issue 10): a streamed call whose upstream accepted the connection and never answered
 * got its 504, but the connection stayed open until the process exited (non-streamed calls closed
 * theirs). The upstream here accepts, reads the request and never writes a byte.
 */
class HungUpstreamConnectionLeakTest {

  static final Duration FIRST_BYTE = Duration.ofMillis(300);
  static final int CALLS = 5;

  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private DisposableServer hung;

  @BeforeEach
  void startHungUpstream() {
    hung =
        TcpServer.create()
            .host("127.0.0.1")
            .port(0)
            .doOnConnection(
                connection -> {
                  accepted.incrementAndGet();
                  open.incrementAndGet();
                  connection.onDispose(open::decrementAndGet);
                })
            .handle((in, out) -> in.receive().then()) // reads until the client closes
            .bindNow();
  }

  @AfterEach
  void stop() {
    hung.disposeNow();
  }

  static Stream<ProviderAdapterFactory> adapters() {
    return Stream.of(
        new OpenAiAdapterFactory(), new AnthropicAdapterFactory(), new GeminiAdapterFactory());
  }

  @ParameterizedTest
  @MethodSource("adapters")
  void aStreamWhoseFirstByteNeverComesGets504AndClosesItsConnection(ProviderAdapterFactory type)
      throws InterruptedException {
    ProviderAdapter adapter = adapter(type);
    StepVerifier.create(Flux.range(0, CALLS).flatMap(i -> adapter.stream(call(true)).then(), CALLS))
        .expectErrorSatisfies(
            e -> assertThat(e).isInstanceOfSatisfying(UpstreamException.class, timeout()))
        .verify(Duration.ofSeconds(10));
    // The first-byte watch starts once the request is sent: every call reached the upstream.
    assertThat(accepted.get()).as("connections the calls opened").isEqualTo(CALLS);
    awaitNoOpenConnection();
  }

  @ParameterizedTest
  @MethodSource("adapters")
  void aCallWhoseAnswerNeverComesGets504AndClosesItsConnection(ProviderAdapterFactory type)
      throws InterruptedException {
    ProviderAdapter adapter = adapter(type);
    StepVerifier.create(adapter.complete(call(false)))
        .expectErrorSatisfies(
            e -> assertThat(e).isInstanceOfSatisfying(UpstreamException.class, timeout()))
        .verify(Duration.ofSeconds(10));
    // (On a cold JVM the timeout may come before the connection: then nothing was opened.)
    awaitNoOpenConnection();
  }

  private static java.util.function.Consumer<UpstreamException> timeout() {
    return u -> assertThat(u.status()).isEqualTo(504);
  }

  private void awaitNoOpenConnection() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (open.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(open.get()).as("upstream connections still open 2 s after the 504s").isZero();
  }

  private ProviderAdapter adapter(ProviderAdapterFactory type) {
    return type.create(
        new ProviderSpec(
            "hung-" + type.type(),
            type.type(),
            URI.create("http://127.0.0.1:" + hung.port()),
            "test-key",
            new Timeouts(Duration.ofSeconds(2), FIRST_BYTE, Duration.ofSeconds(5)),
            CALLS,
            Map.of()),
        Map.of());
  }

  private static ChatCall call(boolean stream) {
    String body =
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]"
            + (stream ? ",\"stream\":true" : "")
            + "}";
    return new ChatCall("req-1", (ObjectNode) Json.MAPPER.readTree(body), "m", true);
  }
}
