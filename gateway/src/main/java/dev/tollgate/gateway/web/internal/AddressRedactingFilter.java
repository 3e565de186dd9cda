package dev.tollgate.gateway.web.internal;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Marker;
import org.slf4j.helpers.MessageFormatter;

/**
 * Keeps IP addresses out of every log line, whoever logs it: Reactor Netty and Netty print a
 * channel as {@code [id, L:/10.0.0.1:8080 - R:/203.0.113.7:51234]} in their warnings (header
 * decoding failures, closed connections, errors after a request ended). An event whose message
 * contains an IPv4 or IPv6 address is dropped and logged again, once, with each address replaced by
 * {@code <address>}. Throwables are passed on as they are.
 */
public final class AddressRedactingFilter extends TurboFilter {

  public static final String REDACTED = "<address>";

  private static final Pattern ADDRESS =
      Pattern.compile(
          // IPv4, with an optional port
          "(?<![\\w.])(?:\\d{1,3}\\.){3}\\d{1,3}(?::\\d{1,5})?(?![\\w.])"
              // IPv6 in brackets, with an optional port
              + "|\\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%[\\w.]+)?\\](?::\\d{1,5})?"
              // IPv6 without brackets (kept only with '::' or all eight groups: not 12:30:05)
              + "|(?<bare>(?<![\\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%[\\w.]+)?(?![\\w:]))");

  private static final String FQCN = Logger.class.getName();

  @Override
  public FilterReply decide(
      @Nullable Marker marker,
      Logger logger,
      Level level,
      @Nullable String format,
      Object @Nullable [] params,
      @Nullable Throwable t) {
    if (format == null || !level.isGreaterOrEqual(logger.getEffectiveLevel())) {
      return FilterReply.NEUTRAL; // isEnabled checks, and events that will not be logged
    }
    String message =
        params == null || params.length == 0
            ? format
            : MessageFormatter.arrayFormat(format, params).getMessage();
    String redacted = redact(message);
    if (redacted == null) {
      return FilterReply.NEUTRAL;
    }
    logger.log(marker, FQCN, Level.toLocationAwareLoggerInteger(level), redacted, null, t);
    return FilterReply.DENY;
  }

  /** The text with every address replaced, or {@code null} when it has none. */
  public static @Nullable String redact(@Nullable String text) {
    if (text == null || (text.indexOf('.') < 0 && text.indexOf(':') < 0)) {
      return null;
    }
    Matcher matcher = ADDRESS.matcher(text);
    if (!matcher.find()) {
      return null;
    }
    StringBuilder out = new StringBuilder(text.length());
    do {
      if (isAddress(matcher)) {
        matcher.appendReplacement(out, REDACTED);
      }
    } while (matcher.find());
    matcher.appendTail(out);
    String result = out.toString();
    return result.equals(text) ? null : result;
  }

  private static boolean isAddress(Matcher matcher) {
    String bare = matcher.group("bare");
    return bare == null || bare.contains("::") || bare.chars().filter(c -> c == ':').count() == 7;
  }
}
