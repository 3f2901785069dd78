package dev.jlxcfs.util;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;

/**
 * One value kept for a bounded time: what the read path caches of a source that changes rarely (a cgroup's limits,
 * the host's online CPUs, a caller's CPU view). The caller asks for the {@link #fresh} value and, when there is none,
 * computes one and {@link #keep}s it: a two-step use rather than a loader callback, so that a hit allocates nothing
 * (a lambda that captures its arguments would be made on every call). Threads that find it stale at once may each
 * compute it; the last one kept stays, and each is right, being read from the source after the expiry.
 */
public final class Expiring<T> {

  private record Entry<T>(T value, long expires) {}

  private final Ticker ticker;
  private final long ttlNanos;
  private volatile Entry<T> entry;

  public Expiring(Ticker ticker, Duration ttl) {
    this(ticker, ttl.toNanos());
  }

  public Expiring(Ticker ticker, long ttlNanos) {
    this.ticker = ticker;
    this.ttlNanos = ttlNanos;
  }

  /** The value kept, while it is younger than the bound; null when there is none or it expired. */
  public T fresh() {
    Entry<T> e = entry;
    return e == null || ticker.read() - e.expires() >= 0 ? null : e.value();
  }

  /** The value kept last, fresh or not (to tell whether a new one differs); null before the first. */
  public T last() {
    Entry<T> e = entry;
    return e == null ? null : e.value();
  }

  /** Keeps {@code value} (not null) for the bound, from now; returns it. */
  public T keep(T value) {
    entry = new Entry<>(value, ticker.read() + ttlNanos);
    return value;
  }
}
