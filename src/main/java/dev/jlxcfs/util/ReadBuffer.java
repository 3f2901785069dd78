package dev.jlxcfs.util;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A reusable buffer that kernel files are read into: valid from 0 to {@link #length()}. The read path takes its
 * buffers from {@link #local}: one small set per thread, reused by every read, so reading allocates nothing once
 * they have grown to fit the largest file.
 */
public final class ReadBuffer {

  /** How many buffers a thread has: a file may need two sources open at once (its template and a cgroup file). */
  public static final int SLOTS = 3;

  private static final ThreadLocal<ReadBuffer[]> LOCAL = ThreadLocal.withInitial(() -> {
    ReadBuffer[] set = new ReadBuffer[SLOTS];
    for (int i = 0; i < SLOTS; i++) {
      set[i] = new ReadBuffer(8192);
    }
    return set;
  });

  private byte[] bytes;
  private ByteBuffer view;
  private int length;

  public ReadBuffer(int capacity) {
    bytes = new byte[capacity];
    view = ByteBuffer.wrap(bytes);
  }

  /** This thread's buffer number {@code slot} (0..SLOTS-1). Callers use distinct slots for nested reads. */
  public static ReadBuffer local(int slot) {
    return LOCAL.get()[slot];
  }

  public byte[] bytes() {
    return bytes;
  }

  public int length() {
    return length;
  }

  void setLength(int length) {
    this.length = length;
  }

  int capacity() {
    return bytes.length;
  }

  /** A view of the free space from {@code position} on, for a channel read. */
  ByteBuffer freeFrom(int position) {
    view.limit(bytes.length).position(position);
    return view;
  }

  void grow() {
    bytes = Arrays.copyOf(bytes, bytes.length * 2);
    view = ByteBuffer.wrap(bytes);
  }

  /** Copies text in (tests, and sources that are not files). */
  public ReadBuffer set(byte[] content) {
    while (bytes.length < content.length) {
      grow();
    }
    System.arraycopy(content, 0, bytes, 0, content.length);
    length = content.length;
    return this;
  }

  @Override
  public String toString() {
    return Bytes.text(bytes, 0, length);
  }
}
