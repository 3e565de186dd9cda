package dev.tollgate.gateway.auth;

import dev.tollgate.billing.accounts.KeyLimits;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The keys of {@code gateway.dev-keys}, for development and tests. Keys are held only as SHA-256
 * hashes and looked up by the hash of what the client presented, so the comparison does not depend
 * on how much of a guess matches.
 */
public final class DevKeyStore implements ApiKeyStore {

  /** Dev keys shorter than this are refused at start-up. */
  public static final int MIN_LENGTH = 16;

  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(DevKeyStore::newDigest);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, ApiKey> byHash;

  private DevKeyStore(Map<String, ApiKey> byHash) {
    this.byHash = Map.copyOf(byHash);
  }

  /** The keys, all paying from {@code accountId} (the demo account). */
  public static DevKeyStore of(List<String> keys, String accountId) {
    Map<String, ApiKey> byHash = new HashMap<>();
    for (String key : keys) {
      String hash = hash(key);
      byHash.put(
          hash,
          new ApiKey("dev:" + hash.substring(0, 12), prefixOf(key), accountId, KeyLimits.NONE));
    }
    return new DevKeyStore(byHash);
  }

  /** A new random key in the gateway's format ({@code sk-gw-} and 32 random bytes). */
  public static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return "sk-gw-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  @Override
  public Mono<ApiKey> find(String presentedSecret) {
    return Mono.justOrEmpty(findByHash(hash(presentedSecret)));
  }

  /** The dev key with this SHA-256 (lower-case hex), or null. */
  public @Nullable ApiKey findByHash(String hash) {
    return byHash.get(hash);
  }

  public boolean isEmpty() {
    return byHash.isEmpty();
  }

  /** The visible part of a key: enough to recognise it, never enough to use it. */
  public static String prefixOf(String key) {
    return key.length() <= 12 ? key.substring(0, Math.min(4, key.length())) : key.substring(0, 10);
  }

  static String hash(String key) {
    MessageDigest digest = SHA256.get();
    digest.reset();
    return HexFormat.of().formatHex(digest.digest(key.getBytes(StandardCharsets.UTF_8)));
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
