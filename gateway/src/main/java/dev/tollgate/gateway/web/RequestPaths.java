package dev.tollgate.gateway.web;

import org.jspecify.annotations.Nullable;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * The one spelling of a request's path that decides who may call what: the path the functional
 * router matches. Spring's router matches the path within the application segment by segment, each
 * segment percent-decoded and stripped of its {@code ;matrix} parameters ({@link
 * PathContainer.PathSegment#valueToMatch()}); {@link #routed} joins exactly those values. Every
 * access decision (admin, API key, account paths, actuator) reads {@link #routed}, never the raw
 * path, so that {@code /%61dmin/...} cannot be one path to a guard and another to the router.
 *
 * <p>{@link #problem} tells why a raw path is not canonical; {@link CanonicalPathFilter} refuses
 * such requests before any decision is taken.
 */
public final class RequestPaths {

  private RequestPaths() {}

  /** The decoded path within the application, as the router matches it. */
  public static String routed(ServerHttpRequest request) {
    PathContainer path = request.getPath().pathWithinApplication();
    String raw = path.value();
    if (raw.indexOf('%') < 0 && raw.indexOf(';') < 0) {
      return raw; // nothing to decode or strip: the common case, no allocation
    }
    StringBuilder routed = new StringBuilder(raw.length());
    for (PathContainer.Element element : path.elements()) {
      routed.append(
          element instanceof PathContainer.PathSegment segment
              ? segment.valueToMatch()
              : element.value());
    }
    return routed.toString();
  }

  /**
   * Why the raw path is not in its one canonical spelling, or {@code null} when it is. Refused: a
   * percent-encoded unreserved character ({@code %61} for {@code a}; RFC 3986 says to decode
   * those), an encoded {@code %}, {@code /}, {@code \} or control character, a malformed escape,
   * {@code ;} path parameters, empty segments ({@code //}) and {@code .} or {@code ..} segments.
   * Percent escapes of other characters (a space in an id) stay allowed.
   */
  public static @Nullable String problem(String rawPath) {
    int length = rawPath.length();
    if (length == 0 || rawPath.charAt(0) != '/') {
      return "the path must start with '/'";
    }
    int segmentStart = 1;
    for (int i = 0; i < length; i++) {
      char c = rawPath.charAt(i);
      if (c == ';') {
        return "path parameters (';') are not accepted";
      }
      if (c == '%') {
        String escape = escapeProblem(rawPath, i);
        if (escape != null) {
          return escape;
        }
        i += 2;
      } else if (c == '/' && i > 0) {
        String segment = segmentProblem(rawPath.substring(segmentStart, i), false);
        if (segment != null) {
          return segment;
        }
        segmentStart = i + 1;
      }
    }
    return segmentProblem(rawPath.substring(segmentStart), true);
  }

  /** A segment's problem; the last one may be empty (a trailing '/', which routes nowhere). */
  private static @Nullable String segmentProblem(String segment, boolean last) {
    if (segment.isEmpty() && !last) {
      return "empty path segments ('//') are not accepted";
    }
    if (segment.equals(".") || segment.equals("..")) {
      return "'.' and '..' path segments are not accepted";
    }
    return null;
  }

  private static @Nullable String escapeProblem(String path, int at) {
    int high = at + 1 < path.length() ? Character.digit(path.charAt(at + 1), 16) : -1;
    int low = at + 2 < path.length() ? Character.digit(path.charAt(at + 2), 16) : -1;
    if (high < 0 || low < 0) {
      return "malformed percent-encoding";
    }
    int decoded = high * 16 + low;
    if (isUnreserved(decoded)) {
      return "percent-encoded '" + (char) decoded + "' (send it as it is)";
    }
    if (decoded == '%') {
      return "double percent-encoding ('%25') is not accepted";
    }
    if (decoded == '/' || decoded == '\\') {
      return "an encoded '/' or '\\' is not accepted";
    }
    if (decoded < 0x20 || decoded == 0x7f) {
      return "an encoded control character is not accepted";
    }
    return null;
  }

  /** RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~". */
  private static boolean isUnreserved(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }
}
