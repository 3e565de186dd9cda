package dev.tollgate.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One streamed request at a time on one keep-alive connection: the time from writing the request to
 * reading the first content token ({@code w0 }), then the rest of the stream is read to its end. A
 * blocking socket client: at concurrency 1 it is not the bottleneck.
 */
final class FirstToken {

  private static final byte[] FIRST =
      (FakeUpstream.CONTENT_PREFIX + "0 ").getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HEADERS_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final Pattern CONTENT_LENGTH = Pattern.compile("\r\ncontent-length: *(\\d+)");
  private static final byte[] CONNECTION_CLOSE =
      "Connection: close".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] LAST_CHUNK = "\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private FirstToken() {}

  /** Nanoseconds to the first token of each request sent within {@code seconds}. */
  static long[] measure(Target t, double seconds) throws IOException {
    String body = Requests.body("sse");
    byte[] request =
        ("POST "
                + Targets.PATH
                + " HTTP/1.1\r\nHost: 127.0.0.1:"
                + t.port()
                + "\r\nContent-Type: application/json\r\nAuthorization: "
                + t.authorization()
                + "\r\nContent-Length: "
                + body.length()
                + "\r\n\r\n"
                + body)
            .getBytes(StandardCharsets.US_ASCII);
    long[] samples = new long[1024];
    int n = 0;
    byte[] buf = new byte[1 << 16];
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      // a new connection whenever the server ends one (nginx after keepalive_requests)
      try (Socket s = new Socket()) {
        s.setTcpNoDelay(true);
        s.setSoTimeout(10_000);
        s.connect(new InetSocketAddress("127.0.0.1", t.port()));
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        boolean open = true;
        while (open && System.nanoTime() < end) {
          long start = System.nanoTime();
          out.write(request);
          out.flush();
          int len = 0;
          long first = -1;
          while (true) {
            int r = in.read(buf, len, buf.length - len);
            if (r < 0) {
              throw new IOException(t.name() + " closed the connection");
            }
            len += r;
            if (first < 0 && indexOf(buf, len, FIRST) >= 0) {
              first = System.nanoTime() - start;
            }
            if (complete(buf, len)) {
              break;
            }
            if (len == buf.length) {
              throw new IOException(t.name() + ": response longer than " + buf.length);
            }
          }
          if (first < 0) {
            throw new IOException(t.name() + ": no first token in " + new String(buf, 0, len));
          }
          if (n == samples.length) {
            samples = Arrays.copyOf(samples, n * 2);
          }
          samples[n++] = first;
          open = indexOf(buf, len, CONNECTION_CLOSE) < 0;
        }
      }
    }
    return Arrays.copyOf(samples, n);
  }

  /** The whole response is in: Content-Length bytes after the headers, or the last chunk. */
  private static boolean complete(byte[] b, int len) {
    int headersEnd = indexOf(b, len, HEADERS_END);
    if (headersEnd < 0) {
      return false;
    }
    String headers =
        new String(b, 0, headersEnd, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
    Matcher m = CONTENT_LENGTH.matcher(headers);
    if (m.find()) {
      return len >= headersEnd + HEADERS_END.length + Integer.parseInt(m.group(1));
    }
    return indexOf(b, len, DONE) >= 0 && endsWith(b, len, LAST_CHUNK);
  }

  private static boolean endsWith(byte[] b, int len, byte[] tail) {
    if (len < tail.length) {
      return false;
    }
    return Arrays.equals(b, len - tail.length, len, tail, 0, tail.length);
  }

  private static int indexOf(byte[] b, int len, byte[] what) {
    outer:
    for (int i = 0; i <= len - what.length; i++) {
      for (int j = 0; j < what.length; j++) {
        if (b[i + j] != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static double percentileMs(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }
}
