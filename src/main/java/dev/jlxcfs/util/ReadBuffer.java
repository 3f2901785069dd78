package dev.jlxcfs.util;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A reusable buffer that kernel files are read into: valid from 0 to {@link #length()}; it grows to fit the file. The
 * read path's buffers are those of each worker's {@code ReadContext}, reused by every read, so reading allocates
 * nothing once they have grown to fit the largest file.
 */
public final class ReadBuffer {

  private byte[] bytes;
  private ByteBuffer view;
  private int length;

  public ReadBuffer(int capacity) {
    bytes = new byte[capacity];
    view = ByteBuffer.wrap(bytes);
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
