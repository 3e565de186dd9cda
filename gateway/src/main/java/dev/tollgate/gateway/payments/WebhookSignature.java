package dev.tollgate.gateway.payments;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Checks the {@code x-gateway-signature} header of a webhook: {@code t=<unix seconds>,v1=<hex
 * HMAC-SHA256 of "<t>.<raw body>">}, several {@code v1} allowed (secret rotation). Timestamps more
 * than {@link #TOLERANCE} away from now are refused, so a captured notice cannot be replayed later.
 *
 * <p>{@code Mac.getInstance} may read provider configuration on first use; it runs here, at
 * start-up, once. Each check clones that prototype, which is pure computation.
 */
public final class WebhookSignature {

  /** The header carrying the signature. */
  public static final String HEADER = "x-gateway-signature";

  /** How far a notice's timestamp may be from now. */
  public static final Duration TOLERANCE = Duration.ofMinutes(5);

  private static final String ALGORITHM = "HmacSHA256";

  private final Mac prototype;
  private final Clock clock;

  public WebhookSignature(String secret, Clock clock) {
    Objects.requireNonNull(secret, "secret");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (secret.isBlank()) {
      throw new IllegalArgumentException("secret: '' (expected: non-blank)");
    }
    try {
      prototype = Mac.getInstance(ALGORITHM);
      prototype.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
      // Fail at start-up, not per request, if this provider's Mac cannot be cloned.
      prototype.clone();
    } catch (GeneralSecurityException | CloneNotSupportedException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }

  /** Whether {@code header} is a valid, fresh signature of {@code body}. */
  public boolean verify(@Nullable String header, byte[] body) {
    if (header == null) {
      return false;
    }
    String timestamp = null;
    int signatures = 0;
    byte[][] candidates = new byte[4][];
    for (String part : header.split(",", 8)) {
      int eq = part.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String name = part.substring(0, eq).trim();
      String value = part.substring(eq + 1).trim();
      if (name.equals("t")) {
        timestamp = value;
      } else if (name.equals("v1") && signatures < candidates.length) {
        try {
          candidates[signatures] = HexFormat.of().parseHex(value);
          signatures++;
        } catch (IllegalArgumentException e) {
          // not hex: cannot match
        }
      }
    }
    if (timestamp == null || signatures == 0 || !fresh(timestamp)) {
      return false;
    }
    byte[] expected = sign(timestamp, body);
    boolean match = false;
    for (int i = 0; i < signatures; i++) {
      // constant time; no early exit, so timing says nothing about which candidate matched
      match |= MessageDigest.isEqual(expected, candidates[i]);
    }
    return match;
  }

  /** The hex signature of {@code body} at {@code timestamp}; for tests and tooling. */
  public String signHex(String timestamp, byte[] body) {
    return HexFormat.of().formatHex(sign(timestamp, body));
  }

  private boolean fresh(String timestamp) {
    long seconds;
    try {
      seconds = Long.parseLong(timestamp);
    } catch (NumberFormatException e) {
      return false;
    }
    long now = clock.millis() / 1000;
    long tolerance = TOLERANCE.toSeconds();
    return seconds >= now - tolerance && seconds <= now + tolerance;
  }

  private byte[] sign(String timestamp, byte[] body) {
    Mac mac;
    try {
      mac = (Mac) prototype.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("checked at start-up", e);
    }
    mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
    mac.update((byte) '.');
    mac.update(body);
    return mac.doFinal();
  }
}
