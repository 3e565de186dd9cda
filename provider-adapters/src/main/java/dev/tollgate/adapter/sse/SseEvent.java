package dev.tollgate.adapter.sse;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Reads the fields of one raw server-sent event without copying it: where its {@code data} is, and
 * its {@code event} name.
 */
public final class SseEvent {

  private SseEvent() {}

  /**
   * The range of the event's data in {@code event}: {@code [offset, offset + length)}. Only the
   * common single {@code data:} line is returned as a range; several data lines are joined into a
   * new array by {@link #data(byte[])}.
   *
   * @return {@code {offset, length}}, or null when the event has no data line
   */
  public static int @Nullable [] dataRange(byte[] event) {
    int lineStart = 0;
    int[] found = null;
    int n = event.length;
    while (lineStart < n) {
      int lineEnd = lineStart;
      while (lineEnd < n && event[lineEnd] != '\n' && event[lineEnd] != '\r') {
        lineEnd++;
      }
      if (startsWith(event, lineStart, lineEnd, "data:")) {
        if (found != null) {
          return null; // several data lines: callers use data()
        }
        int valueStart = lineStart + 5;
        if (valueStart < lineEnd && event[valueStart] == ' ') {
          valueStart++;
        }
        found = new int[] {valueStart, lineEnd - valueStart};
      }
      lineStart = lineEnd + 1;
    }
    return found;
  }

  /** The event's data with several data lines joined by {@code \n}; null when it has none. */
  public static byte @Nullable [] data(byte[] event) {
    StringBuilder joined = null;
    int lineStart = 0;
    int n = event.length;
    while (lineStart < n) {
      int lineEnd = lineStart;
      while (lineEnd < n && event[lineEnd] != '\n' && event[lineEnd] != '\r') {
        lineEnd++;
      }
      if (startsWith(event, lineStart, lineEnd, "data:")) {
        int valueStart = lineStart + 5;
        if (valueStart < lineEnd && event[valueStart] == ' ') {
          valueStart++;
        }
        String value = new String(event, valueStart, lineEnd - valueStart, StandardCharsets.UTF_8);
        joined = joined == null ? new StringBuilder(value) : joined.append('\n').append(value);
      }
      lineStart = lineEnd + 1;
    }
    return joined == null ? null : joined.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The {@code event:} field's value, or null when the event has none. */
  public static @Nullable String name(byte[] event) {
    int lineStart = 0;
    int n = event.length;
    while (lineStart < n) {
      int lineEnd = lineStart;
      while (lineEnd < n && event[lineEnd] != '\n' && event[lineEnd] != '\r') {
        lineEnd++;
      }
      if (startsWith(event, lineStart, lineEnd, "event:")) {
        int valueStart = lineStart + 6;
        if (valueStart < lineEnd && event[valueStart] == ' ') {
          valueStart++;
        }
        return new String(event, valueStart, lineEnd - valueStart, StandardCharsets.UTF_8);
      }
      lineStart = lineEnd + 1;
    }
    return null;
  }

  /** True when the data range holds exactly {@code [DONE]}. */
  public static boolean isDone(byte[] event, int offset, int length) {
    return length == 6
        && event[offset] == '['
        && event[offset + 1] == 'D'
        && event[offset + 2] == 'O'
        && event[offset + 3] == 'N'
        && event[offset + 4] == 'E'
        && event[offset + 5] == ']';
  }

  private static boolean startsWith(byte[] bytes, int from, int to, String prefix) {
    int n = prefix.length();
    if (to - from < n) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (bytes[from + i] != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
