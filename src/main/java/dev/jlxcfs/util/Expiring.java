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

  /**
   * One value and its expiry, for a holder that keeps the reference itself (a volatile field) instead of an Expiring
   * object: {@code Cgroup} keeps three, and a dense node thousands of Cgroups.
   */
  public record Value<T>(T value, long expires) {
    /** Keeps {@code value} (not null) for {@code ttlNanos} from now. */
    public static <T> Value<T> of(T value, Ticker ticker, long ttlNanos) {
      return new Value<>(value, ticker.read() + ttlNanos);
    }

    /** The value of {@code v} while it is younger than its bound; null when there is none or it expired. */
    public static <T> T fresh(Value<T> v, Ticker ticker) {
      return v == null || ticker.read() - v.expires() >= 0 ? null : v.value();
    }
  }

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
