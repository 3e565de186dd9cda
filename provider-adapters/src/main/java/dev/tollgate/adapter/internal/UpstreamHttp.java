package dev.tollgate.adapter.internal;

import dev.tollgate.adapter.ProviderSpec;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.sse.SseEventSplitter.SseException;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.timeout.ReadTimeoutException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.PrematureCloseException;
import reactor.netty.resources.ConnectionProvider;

/**
 * The HTTP side every network adapter shares: one pooled Reactor Netty client per provider, and for
 * {@link UpstreamTransport} the read-idle watch that implements first-byte and idle timeouts at no
 * cost per event and the mapping of transport failures to {@link UpstreamException}.
 */
public final class UpstreamHttp {

  private UpstreamHttp() {}

  /**
   * A pooled client for one provider: {@code max-connections} connections, the connect timeout, the
   * base URL (trailing slashes dropped) and the headers every request carries.
   */
  public static HttpClient client(
      ProviderSpec spec, String baseUrl, Consumer<HttpHeaders> headers) {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(headers, "headers");
    ConnectionProvider pool =
        ConnectionProvider.builder("tollgate-" + spec.name())
            .maxConnections(spec.maxConnections())
            .pendingAcquireMaxCount(-1)
            .pendingAcquireTimeout(spec.timeouts().connect().plus(spec.timeouts().firstByte()))
            .maxIdleTime(Duration.ofSeconds(50))
            .evictInBackground(Duration.ofSeconds(30))
            .build();
    return HttpClient.create(pool)
        .baseUrl(baseUrl.replaceAll("/+$", ""))
        .option(
            ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.min(Integer.MAX_VALUE, spec.timeouts().connect().toMillis()))
        .headers(headers);
  }

  /**
   * From now on, no read for {@code millis} fails the exchange with a read timeout and closes the
   * connection, as Netty's {@code ReadTimeoutHandler} does: an exchange that timed out cannot be
   * reused, and failing it alone left the connection of a stream whose first byte never came open
   * until the process exited.
   */
  static void watchReads(Connection connection, long millis) {
    connection.onReadIdle(
        millis,
        () -> {
          connection.channel().pipeline().fireExceptionCaught(ReadTimeoutException.INSTANCE);
          connection.channel().close();
        });
  }

  /**
   * A failure of a call to provider {@code provider} as an {@link UpstreamException}: timeouts 504,
   * a broken event stream a protocol error, everything else the upstream being unavailable.
   */
  static Throwable toUpstreamException(Throwable e, String provider) {
    if (e instanceof UpstreamException) {
      return e;
    }
    if (e instanceof TimeoutException || e instanceof ReadTimeoutException) {
      return UpstreamException.timeout("upstream " + provider + " did not answer in time");
    }
    if (e instanceof SseException) {
      return UpstreamException.protocol(e.getMessage(), e);
    }
    if (e instanceof PrematureCloseException) {
      return UpstreamException.unavailable(
          "upstream " + provider + " closed the connection early", e);
    }
    @Nullable Throwable root = e;
    while (root != null) {
      if (root instanceof ConnectException || root instanceof ConnectTimeoutException) {
        return UpstreamException.unavailable("could not connect to upstream " + provider, e);
      }
      root = root.getCause();
    }
    return UpstreamException.unavailable("upstream " + provider + " failed", e);
  }
}
