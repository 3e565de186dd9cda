package dev.tollgate.gateway.bench;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Reads one streamed response on the client side as its bytes arrive: cuts it into server-sent
 * events, classifies each {@code data:} payload (role, content, finish, usage, {@code [DONE]},
 * error) by the fields it holds, and notes when the first event arrived. The byte patterns match
 * the compact JSON of {@link FakeCompletion}; {@link StrictCheck} parses whole responses properly
 * once per scenario. One instance per response; not thread-safe.
 */
final class SseStreamCheck {

  private static final byte[] CONTENT = bytes("\"delta\":{\"content\":\"");
  private static final byte[] FINISH = bytes("\"finish_reason\":\"stop\"");
  private static final byte[] NO_CHOICES = bytes("\"choices\":[]");
  private static final byte[] ROLE = bytes("\"role\":\"assistant\"");
  private static final byte[] ERROR = bytes("{\"error\"");
  private static final byte[] DATA = bytes("data: ");
  private static final byte[] DONE = bytes("[DONE]");

  private final FakeCompletion expected;
  private final boolean expectUsage;
  private final byte[] usageTokens;

  private byte[] pending = new byte[1024];
  private int length;
  private int scanFrom;

  private long firstEventNanos = -1;
  private int roles;
  private int contents;
  private int finishes;
  private int usages;
  private boolean done;
  private @Nullable String failure;

  SseStreamCheck(FakeCompletion expected, boolean expectUsage) {
    this.expected = expected;
    this.expectUsage = expectUsage;
    this.usageTokens = bytes("\"completion_tokens\":" + expected.tokens + ",");
  }

  void feed(ByteBuf chunk) {
    int readable = chunk.readableBytes();
    if (length + readable > pending.length) {
      pending = Arrays.copyOf(pending, Math.max(length + readable, pending.length * 2));
    }
    chunk.getBytes(chunk.readerIndex(), pending, length, readable);
    length += readable;
    int start = 0;
    for (int i = Math.max(scanFrom, 1); i < length; i++) {
      if (pending[i] == '\n' && pending[i - 1] == '\n') {
        onEvent(start, i - 1);
        start = i + 1;
        i++;
      }
    }
    if (start > 0) {
      System.arraycopy(pending, start, pending, 0, length - start);
      length -= start;
    }
    scanFrom = length;
  }

  /** The event in {@code pending[from, end)}, without its blank line. */
  private void onEvent(int from, int end) {
    if (end - from < DATA.length || !startsWith(from, DATA)) {
      return; // a comment or keep-alive: not an event a client acts on
    }
    if (firstEventNanos < 0) {
      firstEventNanos = System.nanoTime();
    }
    int data = from + DATA.length;
    if (done) {
      fail("an event after [DONE]");
    } else if (end - data == 6 && startsWith(data, DONE)) {
      done = true;
    } else if (contains(data, end, CONTENT)) {
      contents++;
    } else if (contains(data, end, FINISH)) {
      finishes++;
    } else if (contains(data, end, NO_CHOICES)) {
      usages++;
      if (!contains(data, end, usageTokens)) {
        fail("usage chunk without completion_tokens " + expected.tokens + ": " + text(data, end));
      }
    } else if (contains(data, end, ROLE)) {
      roles++;
    } else if (startsWith(data, ERROR)) {
      fail("error event: " + text(data, end));
    } else {
      fail("unexpected event: " + text(data, end));
    }
  }

  long firstEventNanos() {
    return firstEventNanos;
  }

  int contentChunks() {
    return contents;
  }

  /** Why the stream was wrong, or null when it was exactly what the upstream sent. */
  @Nullable String verdict() {
    if (failure != null) {
      return failure;
    }
    if (length > 0 && !blank(0, length)) {
      return "stream ended inside an event";
    }
    if (!done) {
      return "stream ended without [DONE]";
    }
    if (contents != expected.tokens) {
      return "expected " + expected.tokens + " content chunks, got " + contents;
    }
    if (roles != 1 || finishes != 1) {
      return "expected 1 role and 1 finish chunk, got " + roles + " and " + finishes;
    }
    if (usages != (expectUsage ? 1 : 0)) {
      return "expected " + (expectUsage ? 1 : 0) + " usage chunk, got " + usages;
    }
    return null;
  }

  private void fail(String why) {
    if (failure == null) {
      failure = why;
    }
  }

  private boolean startsWith(int at, byte[] prefix) {
    if (at + prefix.length > length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (pending[at + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private boolean contains(int from, int end, byte[] pattern) {
    byte first = pattern[0];
    for (int i = from, last = end - pattern.length; i <= last; i++) {
      if (pending[i] == first && startsWith(i, pattern)) {
        return true;
      }
    }
    return false;
  }

  private boolean blank(int from, int end) {
    for (int i = from; i < end; i++) {
      if (pending[i] != '\n' && pending[i] != '\r') {
        return false;
      }
    }
    return true;
  }

  private String text(int from, int end) {
    return new String(pending, from, Math.min(end - from, 200), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
