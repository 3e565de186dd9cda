package dev.tollgate.gateway.auth;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Slows down clients that keep presenting wrong API keys, without keeping their addresses: a client
 * is known only by a keyed hash (HMAC-SHA256) of its address under a random secret that lives in
 * memory and is replaced every window, so nothing kept here can be turned back into an address, not
 * even by this process once the window has passed.
 *
 * <p>Failures are counted per window; the count of a client is its failures in this window and the
 * previous one. Past {@code free-attempts}, each refusal is delayed, the delay doubling up to
 * {@code max-delay}. Only refusals cost anything here; a valid key never touches this class. Per
 * instance: with N instances behind a balancer a client gets N times the free attempts at most.
 */
public final class FailedKeyThrottle {

  private final FailedKeyProperties properties;

  /** Seeded at construction (start-up); drawing from it later is computation only, no I/O. */
  private final SecureRandom random;

  private final LongSupplier nanoClock;
  private volatile Generation current;
  private volatile Generation previous;

  public FailedKeyThrottle(FailedKeyProperties properties) {
    this(properties, System::nanoTime);
  }

  FailedKeyThrottle(FailedKeyProperties properties, LongSupplier nanoClock) {
    this.properties = Objects.requireNonNull(properties, "properties");
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    try {
      this.random = SecureRandom.getInstance("DRBG");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no DRBG SecureRandom", e);
    }
    long now = nanoClock.getAsLong();
    this.previous = newGeneration(now - properties.window().toNanos());
    this.current = newGeneration(now);
  }

  /**
   * Records a wrong key from this client and answers how long to wait before refusing it; zero
   * while the client is within its free attempts.
   */
  public Duration recordFailure(@Nullable InetSocketAddress client) {
    Generation generation = rotate();
    if (client == null || client.getAddress() == null) {
      return Duration.ZERO;
    }
    byte[] address = client.getAddress().getAddress();
    long id = generation.id(address);
    AtomicInteger counter = generation.counter(id, properties.maxClients());
    if (counter == null) {
      return Duration.ZERO; // too many clients tracked: fail open rather than grow without bound
    }
    int failures = counter.incrementAndGet() + previous.failures(address);
    return delayFor(failures);
  }

  /** The delay for a client's {@code failures}-th wrong key. */
  Duration delayFor(int failures) {
    int excess = failures - properties.freeAttempts();
    if (excess <= 0) {
      return Duration.ZERO;
    }
    long base = properties.delay().toNanos();
    long max = properties.maxDelay().toNanos();
    int shift = Math.min(excess - 1, 62);
    long delay = base > (max >> shift) ? max : base << shift;
    return Duration.ofNanos(Math.min(delay, max));
  }

  /** Starts a new window when the current one is over; answers the current one. */
  private Generation rotate() {
    Generation generation = current;
    long now = nanoClock.getAsLong();
    long window = properties.window().toNanos();
    if (now - generation.startNanos < window) {
      return generation;
    }
    synchronized (this) {
      generation = current;
      if (now - generation.startNanos >= window) {
        // Two windows idle: the old counts are too old to matter.
        previous = now - generation.startNanos >= 2 * window ? newGeneration(now) : generation;
        generation = newGeneration(now);
        current = generation;
      }
      return generation;
    }
  }

  private Generation newGeneration(long startNanos) {
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    return new Generation(startNanos, secret);
  }

  /** One window's counts, keyed by a hash under this window's own secret. */
  private static final class Generation {
    final long startNanos;
    private final Mac mac;
    private final ConcurrentHashMap<Long, AtomicInteger> failures = new ConcurrentHashMap<>();

    Generation(long startNanos, byte[] secret) {
      this.startNanos = startNanos;
      try {
        mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 is not available", e);
      }
    }

    long id(byte[] address) {
      byte[] digest;
      synchronized (mac) { // a few microseconds, on the refusal path only
        digest = mac.doFinal(address);
      }
      return ByteBuffer.wrap(digest).getLong();
    }

    @Nullable AtomicInteger counter(long id, int maxClients) {
      AtomicInteger counter = failures.get(id);
      if (counter != null) {
        return counter;
      }
      if (failures.size() >= maxClients) {
        return null;
      }
      return failures.computeIfAbsent(id, k -> new AtomicInteger());
    }

    int failures(byte[] address) {
      AtomicInteger counter = failures.get(id(address));
      return counter == null ? 0 : counter.get();
    }
  }
}
