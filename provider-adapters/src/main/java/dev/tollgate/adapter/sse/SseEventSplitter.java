package dev.tollgate.adapter.sse;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts a byte stream into whole server-sent events. Events end at a blank line ({@code \n\n} or
 * {@code \r\n\r\n}); an event split across network reads is held until it is complete. One instance
 * per stream: it keeps the partial event between calls and is not thread-safe.
 */
public final class SseEventSplitter {

  private final int maxEventBytes;
  private byte[] pending = new byte[512];
  private int length;
  private int scanFrom;

  /**
   * @param maxEventBytes the largest event accepted; a larger one is a protocol error
   */
  public SseEventSplitter(int maxEventBytes) {
    if (maxEventBytes <= 0) {
      throw new IllegalArgumentException("maxEventBytes: " + maxEventBytes + " (expected: > 0)");
    }
    this.maxEventBytes = maxEventBytes;
  }

  /** Takes the bytes of one read and returns the events it completed, each with its blank line. */
  public List<byte[]> feed(ByteBuf chunk) {
    int readable = chunk.readableBytes();
    ensureCapacity(length + readable);
    chunk.getBytes(chunk.readerIndex(), pending, length, readable);
    length += readable;
    return drain();
  }

  /** Takes bytes from an array; the same as {@link #feed(ByteBuf)}. */
  public List<byte[]> feed(byte[] bytes, int offset, int count) {
    ensureCapacity(length + count);
    System.arraycopy(bytes, offset, pending, length, count);
    length += count;
    return drain();
  }

  /**
   * Ends the stream: returns what is left as a last event when it holds more than white space (some
   * servers omit the final blank line), followed by the blank line it lacked.
   */
  public List<byte[]> finish() {
    int end = length;
    while (end > 0 && (pending[end - 1] == '\n' || pending[end - 1] == '\r')) {
      end--;
    }
    if (end == 0) {
      length = 0;
      return List.of();
    }
    byte[] last = Arrays.copyOf(pending, end + 2);
    last[end] = '\n';
    last[end + 1] = '\n';
    length = 0;
    scanFrom = 0;
    return List.of(last);
  }

  private List<byte[]> drain() {
    List<byte[]> events = List.of();
    int start = 0;
    int i = Math.max(scanFrom, 1);
    for (; i < length; i++) {
      if (pending[i] != '\n') {
        continue;
      }
      byte prev = pending[i - 1];
      boolean blankLine = prev == '\n' || (prev == '\r' && i >= 2 && pending[i - 2] == '\n');
      if (blankLine && i + 1 - start > 0) {
        if (i + 1 - start > maxEventBytes) {
          // a read may hold a whole over-long event: the limit must not depend on how reads cut
          throw new SseException("server-sent event longer than " + maxEventBytes + " bytes");
        }
        if (events.isEmpty()) {
          events = new ArrayList<>(4);
        }
        events.add(Arrays.copyOfRange(pending, start, i + 1));
        start = i + 1;
        i++; // the next byte cannot close another event
      }
    }
    if (start > 0) {
      System.arraycopy(pending, start, pending, 0, length - start);
      length -= start;
    }
    scanFrom = length;
    if (length > maxEventBytes) {
      throw new SseException(
          "server-sent event longer than " + maxEventBytes + " bytes without an end");
    }
    return events;
  }

  private void ensureCapacity(int needed) {
    if (needed > pending.length) {
      pending = Arrays.copyOf(pending, Math.max(needed, pending.length * 2));
    }
  }

  /** The stream is not valid server-sent events. */
  public static final class SseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SseException(String message) {
      super(message);
    }
  }
}
