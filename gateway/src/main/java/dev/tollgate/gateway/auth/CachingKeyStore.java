package dev.tollgate.gateway.auth;

import dev.tollgate.billing.accounts.ApiKeyRepository;
import dev.tollgate.billing.accounts.ApiKeyRow;
import dev.tollgate.billing.accounts.ApiKeyStatus;
import dev.tollgate.billing.accounts.ApiKeys;
import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.ledger.AccountStatus;
import dev.tollgate.gateway.error.GatewayException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * <p>Known keys are cached for {@link KeyCacheProperties#ttl()}, unknown ones for {@link
 * KeyCacheProperties#negativeTtl()} (a flood of bad keys reaches PostgreSQL about once a second per
 * key). Revocations and account changes evict entries at once on every instance through {@link
 * KeyRevocations}; the entry lifetime is the safety net when a message is lost. Expiry ({@code
 * expires_at}) is checked on every lookup, not only when loading.
 *
 * <p>When PostgreSQL cannot be reached, a key whose entry has expired is served from that last good
 * entry (for up to {@link KeyCacheProperties#serveStaleFor()} after it was loaded), and PostgreSQL
 * is asked again one TTL later: requests go on being served and billed in Redis. A revoked key
 * stays refused: its revocation left a refusal in the cache. A key the cache never saw cannot be
 * checked and gets 503 {@code auth_unavailable}.
 */
public final class CachingKeyStore implements ApiKeyStore {

  /** Beyond this many entries, expired ones are dropped, then everything if that is not enough. */
  static final int MAX_ENTRIES = 100_000;

  private static final Logger log = LoggerFactory.getLogger(CachingKeyStore.class);

  /**
   * A cached answer. {@code key == null} is a refusal: {@code known} when PostgreSQL (or a
   * revocation) said so, which stays true while PostgreSQL is unreachable; otherwise the key was
   * not found, which an outage cannot confirm.
   */
  private record Entry(
      @Nullable ApiKey key,
      boolean accountActive,
      boolean known,
      long loadedNanos,
      long deadlineNanos) {

    Entry renewed(long deadlineNanos) {
      return new Entry(key, accountActive, known, loadedNanos, deadlineNanos);
    }
  }

  private final DevKeyStore devKeys;
  private final ApiKeyRepository keys;
  private final AccountRepository accounts;
  private final KeyCacheProperties settings;
  private final Clock clock;
  private final Map<String, Entry> byHash = new ConcurrentHashMap<>();
  private final AtomicBoolean lookupsFailing = new AtomicBoolean();

  // Bumped by every eviction: a load that started before one must not cache what it read.
  private final AtomicLong evictions = new AtomicLong();

  public CachingKeyStore(
      DevKeyStore devKeys,
      ApiKeyRepository keys,
      AccountRepository accounts,
      KeyCacheProperties settings,
      Clock clock) {
    this.devKeys = Objects.requireNonNull(devKeys, "devKeys");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.accounts = Objects.requireNonNull(accounts, "accounts");
    this.settings = Objects.requireNonNull(settings, "settings");
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

  /** Forgets the key with this hash (revoked): it is refused, even while PostgreSQL is away. */
  public void evictHash(String hash) {
    evictions.incrementAndGet();
    long now = System.nanoTime();
    byHash.put(hash, new Entry(null, false, true, now, now + settings.negativeTtl().toNanos()));
  }

  /** Forgets every key of the account (its status changed). */
  public void evictAccount(String accountId) {
    evictions.incrementAndGet();
    byHash.values().removeIf(e -> e.key() != null && e.key().accountId().equals(accountId));
  }

  private Mono<Entry> load(String hash) {
    long epoch = evictions.get();
    return keys.findByHash(hash)
        .flatMap(
            row ->
                row.status() == ApiKeyStatus.ACTIVE
                    ? accounts.find(row.accountId()).map(account -> entry(row, account))
                    : Mono.just(refusal(true)))
        .defaultIfEmpty(refusal(false))
        .doOnNext(
            entry -> {
              if (lookupsFailing.compareAndSet(true, false)) {
                log.info("API keys are looked up in PostgreSQL again");
              }
              if (evictions.get() == epoch) {
                put(hash, entry);
              }
            })
        .onErrorResume(e -> !(e instanceof GatewayException), e -> fallBack(hash, e));
  }

  /** PostgreSQL failed: answer from the last entry of the key when it can still be trusted. */
  private Mono<Entry> fallBack(String hash, Throwable error) {
    if (lookupsFailing.compareAndSet(false, true)) {
      log.warn(
          "Looking up API keys in PostgreSQL failed; known keys are served from their last good"
              + " entry (up to {} after it was loaded), unknown ones get 503 until it answers"
              + " again: {}",
          settings.serveStaleFor(),
          error.toString());
    } else {
      log.debug("Looking up an API key in PostgreSQL failed: {}", error.toString());
    }
    long now = System.nanoTime();
    Entry last = byHash.get(hash); // read again: a revocation may have come meanwhile
    if (last != null && last.key() == null && last.known()) {
      return Mono.just(last);
    }
    if (last != null
        && last.key() != null
        && now - last.loadedNanos() < settings.serveStaleFor().toNanos()) {
      // Ask PostgreSQL again one TTL later, not on every request of the outage.
      byHash.replace(hash, last, last.renewed(now + settings.ttl().toNanos()));
      return Mono.just(last);
    }
    return Mono.error(GatewayException.authUnavailable());
  }

  private Entry entry(ApiKeyRow row, AccountRow account) {
    if (account.status() == AccountStatus.DELETED) {
      return refusal(true);
    }
    ApiKey key = new ApiKey(row.id(), row.prefix(), row.accountId(), row.limits());
    long now = System.nanoTime();
    return new Entry(
        key, account.status() == AccountStatus.ACTIVE, true, now, now + settings.ttl().toNanos());
  }

  private Entry refusal(boolean known) {
    long now = System.nanoTime();
    return new Entry(null, false, known, now, now + settings.negativeTtl().toNanos());
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
      long staleNanos = settings.serveStaleFor().toNanos();
      // First what can no longer serve as a fallback, then every expired entry, then all.
      byHash
          .values()
          .removeIf(
              e ->
                  now - e.deadlineNanos() >= 0
                      && (!e.known() || now - e.loadedNanos() >= staleNanos));
      if (byHash.size() >= MAX_ENTRIES) {
        byHash.values().removeIf(e -> now - e.deadlineNanos() >= 0);
      }
      if (byHash.size() >= MAX_ENTRIES) {
        byHash.clear();
      }
    }
    byHash.put(hash, entry);
  }
}
