package dev.tollgate.billing.accounts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/** API key material: how keys are generated and hashed. Keys are stored as hash and prefix only. */
public final class ApiKeys {

  /** Every key starts with this. */
  public static final String KEY_PREFIX = "sk-gw-";

  /** How many leading characters of a key are kept visible ({@code sk-gw-} and 6 more). */
  public static final int PREFIX_LENGTH = 12;

  /** Random bytes per key (256 bits). */
  public static final int RANDOM_BYTES = 32;

  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeys() {}

  /**
   * A new random key. On Linux {@link SecureRandom} reads {@code /dev/urandom} through a file
   * stream, a blocking call as far as BlockHound is concerned: generate keys off the event loop,
   * e.g. {@code Mono.fromCallable(ApiKeys::generate).subscribeOn(Schedulers.boundedElastic())}.
   */
  public static NewKey generate() {
    byte[] bytes = new byte[RANDOM_BYTES];
    RANDOM.nextBytes(bytes);
    String secret = KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    return new NewKey(secret, hash(secret), secret.substring(0, PREFIX_LENGTH));
  }

  /** The SHA-256 of a presented key, lower-case hex, as stored in {@code api_keys.key_hash}. */
  public static String hash(String presented) {
    Objects.requireNonNull(presented, "presented");
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha256.digest(presented.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
