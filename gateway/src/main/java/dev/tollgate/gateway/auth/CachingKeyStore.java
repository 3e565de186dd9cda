package dev.tollgate.gateway.auth;

import dev.tollgate.billing.accounts.ApiKeyRepository;
import dev.tollgate.billing.accounts.ApiKeyRow;
import dev.tollgate.billing.accounts.ApiKeyStatus;
import dev.tollgate.billing.accounts.ApiKeys;
import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.ledger.AccountStatus;
import dev.tollgate.gateway.api.GatewayException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The keys of {@code gateway.dev-keys} and, in addition, the keys created through the admin API
 * (PostgreSQL {@code api_keys}), looked up by the SHA-256 of the presented secret. Lookups answer
 * from a local cache; a miss loads the key and its account without blocking.
 *
 * <p>Known keys are cached for {@link #POSITIVE_TTL}, unknown ones for {@link #NEGATIVE_TTL} (a
 * flood of bad keys reaches PostgreSQL about once a second per key). Revocations and account
 * changes evict entries at once on every instance through {@link KeyRevocations}; the entry
 * lifetime is the safety net when a message is lost. Expiry ({@code expires_at}) is checked on
 * every lookup, not only when loading.
 */
public final class CachingKeyStore implements ApiKeyStore {

  public static final Duration POSITIVE_TTL = Duration.ofSeconds(30);
  public static final Duration NEGATIVE_TTL = Duration.ofSeconds(1);

  /** Beyond this many entries, expired ones are dropped, then everything if that is not enough. */
  static final int MAX_ENTRIES = 100_000;

  private static final Logger log = LoggerFactory.getLogger(CachingKeyStore.class);

  /** A cached answer; {@code key == null} is a cached refusal. */
  private record Entry(@Nullable ApiKey key, boolean accountActive, long deadlineNanos) {}

  private final DevKeyStore devKeys;
  private final ApiKeyRepository keys;
  private final AccountRepository accounts;
  private final Clock clock;
  private final Map<String, Entry> byHash = new ConcurrentHashMap<>();

  // Bumped by every eviction: a load that started before one must not cache what it read.
  private final AtomicLong evictions = new AtomicLong();

  public CachingKeyStore(
      DevKeyStore devKeys, ApiKeyRepository keys, AccountRepository accounts, Clock clock) {
    this.devKeys = Objects.requireNonNull(devKeys, "devKeys");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.accounts = Objects.requireNonNull(accounts, "accounts");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public Mono<ApiKey> find(String presentedSecret) {
    String hash = ApiKeys.hash(presentedSecret);
    ApiKey dev = devKeys.findByHash(hash);
    if (dev != null) {
      return Mono.just(dev);
    }
    Entry cached = byHash.get(hash);
    if (cached != null && System.nanoTime() - cached.deadlineNanos() < 0) {
      return answer(cached);
    }
    return load(hash).flatMap(this::answer);
  }

  /** Forgets the key with this hash (revoked). */
  public void evictHash(String hash) {
    evictions.incrementAndGet();
    byHash.remove(hash);
  }

  /** Forgets every key of the account (its status changed). */
  public void evictAccount(String accountId) {
    evictions.incrementAndGet();
    byHash.values().removeIf(e -> e.key() != null && e.key().accountId().equals(accountId));
  }

  private Mono<Entry> load(String hash) {
    long epoch = evictions.get();
    return keys.findByHash(hash)
        .filter(row -> row.status() == ApiKeyStatus.ACTIVE)
        .flatMap(row -> accounts.find(row.accountId()).map(account -> entry(row, account)))
        .defaultIfEmpty(new Entry(null, false, deadline(NEGATIVE_TTL)))
        .doOnNext(
            entry -> {
              if (evictions.get() == epoch) {
                put(hash, entry);
              }
            })
        .onErrorMap(
            e -> !(e instanceof GatewayException),
            e -> {
              log.warn("Looking up an API key failed", e);
              return GatewayException.authUnavailable();
            });
  }

  private static Entry entry(ApiKeyRow row, AccountRow account) {
    if (account.status() == AccountStatus.DELETED) {
      return new Entry(null, false, deadline(NEGATIVE_TTL));
    }
    ApiKey key = new ApiKey(row.id(), row.prefix(), row.accountId(), row.limits());
    return new Entry(key, account.status() == AccountStatus.ACTIVE, deadline(POSITIVE_TTL));
  }

  private Mono<ApiKey> answer(Entry entry) {
    ApiKey key = entry.key();
    if (key == null) {
      return Mono.empty();
    }
    Instant expiresAt = key.limits().expiresAt();
    if (expiresAt != null && !clock.instant().isBefore(expiresAt)) {
      return Mono.empty();
    }
    if (!entry.accountActive()) {
      return Mono.error(GatewayException.accountInactive());
    }
    return Mono.just(key);
  }

  private void put(String hash, Entry entry) {
    if (byHash.size() >= MAX_ENTRIES) {
      long now = System.nanoTime();
      byHash.values().removeIf(e -> now - e.deadlineNanos() >= 0);
      if (byHash.size() >= MAX_ENTRIES) {
        byHash.clear();
      }
    }
    byHash.put(hash, entry);
  }

  private static long deadline(Duration ttl) {
    return System.nanoTime() + ttl.toNanos();
  }
}
