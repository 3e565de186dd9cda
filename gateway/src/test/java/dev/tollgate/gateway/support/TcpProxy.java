package dev.tollgate.gateway.support;

import io.netty.buffer.ByteBuf;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * A TCP proxy on 127.0.0.1 in front of a real server, which a test can cut (every connection is
 * dropped and new ones are closed at once: the server is down, as far as its clients can tell) and
 * restore.
 */
public final class TcpProxy implements AutoCloseable {

  private final Set<Connection> live = ConcurrentHashMap.newKeySet();
  private final DisposableServer server;
  private volatile boolean open = true;
  private volatile boolean repliesMuted;

  public TcpProxy(String host, int port) {
    this.server =
        TcpServer.create()
            .host("127.0.0.1")
            .port(0)
            .handle(
                (in, out) -> {
                  if (!open) {
                    return Mono.empty(); // the connection is closed at once
                  }
                  in.withConnection(live::add);
                  return TcpClient.newConnection()
                      .host(host)
                      .port(port)
                      .connect()
                      .flatMap(
                          upstream -> {
                            live.add(upstream);
                            Mono<Void> down =
                                out.send(
                                        upstream
                                            .inbound()
                                            .receive()
                                            .retain()
                                            .filter(this::passReply))
                                    .then();
                            Mono<Void> up = upstream.outbound().send(in.receive().retain()).then();
                            return Mono.when(down, up).doFinally(s -> upstream.dispose());
                          });
                })
            .bindNow();
  }

  /** Whether a reply goes on to the client; a muted one is dropped (Reactor Netty frees it). */
  private boolean passReply(ByteBuf reply) {
    return !repliesMuted;
  }

  public int port() {
    return server.port();
  }

  /** The server goes away: open connections drop, new ones are refused. */
  public void cut() {
    open = false;
    live.forEach(Connection::dispose);
    live.clear();
  }

  public void restore() {
    repliesMuted = false;
    open = true;
  }

  /**
   * The server's replies are dropped from now on, while what clients send still reaches it: a
   * command runs and its answer is lost. {@link #cut} the connections before {@link #restore}: a
   * client whose replies went missing would pair the next replies with the wrong commands.
   */
  public void muteReplies() {
    repliesMuted = true;
  }

  @Override
  public void close() {
    cut();
    server.disposeNow();
  }
}
