package dev.tollgate.gateway.support;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * HTTP/1.1 over a plain socket to 127.0.0.1, for tests that must control the bytes: the request
 * target is sent exactly as given (no client normalises {@code %61} or {@code ..} away), several
 * requests share one keep-alive connection, and a test can stop in the middle of a header. Reads
 * are bounded by the socket timeout given at connect; a test thread only, never an event loop.
 */
public final class RawHttp implements Closeable {

  /** One answer: status, headers (names lower case) and the body as text. */
  public record Response(int status, Map<String, String> headers, String body) {
    public @Nullable String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** A connection to {@code 127.0.0.1:port}; every read waits at most {@code readTimeoutMs}. */
  public static RawHttp connect(int port, int readTimeoutMs) throws IOException {
    Socket socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(readTimeoutMs);
    return new RawHttp(socket);
  }

  /** One request on a fresh connection, closed afterwards. */
  public static Response exchange(
      int port, String method, String target, @Nullable String bearer, @Nullable String json)
      throws IOException {
    try (RawHttp http = connect(port, 10_000)) {
      return http.request(method, target, bearer, json);
    }
  }

  /** Sends a request (keep-alive) and reads its answer. */
  public Response request(
      String method, String target, @Nullable String bearer, @Nullable String json)
      throws IOException {
    send(method, target, bearer, json);
    return read();
  }

  /** Sends a request without reading the answer. */
  public void send(String method, String target, @Nullable String bearer, @Nullable String json)
      throws IOException {
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    head.append("Host: 127.0.0.1\r\n");
    if (bearer != null) {
      head.append("Authorization: Bearer ").append(bearer).append("\r\n");
    }
    byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
    if (json != null) {
      head.append("Content-Type: application/json\r\n");
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("\r\n");
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
  }

  /** Writes raw bytes (for instance half a request line). */
  public void sendRaw(String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** Reads one answer: status line, headers, and a body by content-length or chunks. */
  public Response read() throws IOException {
    String status = line();
    if (!status.startsWith("HTTP/1.1 ")) {
      throw new IOException("not an HTTP/1.1 status line: " + status);
    }
    int code = Integer.parseInt(status.substring(9, 12));
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = line(); !line.isEmpty(); line = line()) {
      int colon = line.indexOf(':');
      headers.put(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim());
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String length = headers.get("content-length");
    if (length != null) {
      body.write(in.readNBytes(Integer.parseInt(length)));
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      for (int size = Integer.parseInt(line().trim(), 16); size > 0; ) {
        body.write(in.readNBytes(size));
        line();
        size = Integer.parseInt(line().trim(), 16);
      }
      line();
    }
    return new Response(code, headers, body.toString(StandardCharsets.UTF_8));
  }

  /**
   * Whether the server has closed the connection: reads until end of stream, or fails with a {@link
   * java.net.SocketTimeoutException} when it stays open past the read timeout.
   */
  public boolean closedByServer() throws IOException {
    try {
      while (in.read() >= 0) {
        // whatever the server still sends before closing
      }
      return true;
    } catch (java.net.SocketException e) {
      return true; // reset by the server
    }
  }

  private String line() throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new EOFException("connection closed after: " + line);
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
