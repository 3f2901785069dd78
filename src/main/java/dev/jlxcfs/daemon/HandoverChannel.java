package dev.jlxcfs.daemon;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One connection between a live daemon and its successor (see {@link Handover} and {@link Takeover}): short text
 * lines and one block of bytes, each read within a deadline, over a Unix socket in the root-only state directory.
 * Both ends also check that the other is root (SO_PEERCRED): the directory's mode is the first guard, not the only one.
 */
final class HandoverChannel implements AutoCloseable {

  /** The protocol's version: a successor that speaks another is refused, and takes over without the old's help. */
  static final int VERSION = 1;
  private static final int MAX_LINE = 4096;

  private final SocketChannel channel;
  private final Selector selector;
  private final ByteBuffer in = ByteBuffer.allocate(64 * 1024).flip();

  private HandoverChannel(SocketChannel channel) throws IOException {
    this.channel = channel;
    channel.configureBlocking(false);
    this.selector = Selector.open();
    channel.register(selector, SelectionKey.OP_READ);
  }

  /**
   * The socket of the daemon serving {@code mountPoint}: in the state directory, named by a hash of the mount point
   * (a path may be longer than a socket's 107 bytes).
   */
  static Path socketPath(Path stateDir, Path mountPoint) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(mountPoint.toString().getBytes(StandardCharsets.UTF_8));
      return stateDir.resolve("handover-" + HexFormat.of().formatHex(h, 0, 8) + ".sock");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Listens at {@code path}, replacing a socket file left there (by this daemon's predecessor). */
  static ServerSocketChannel listen(Path path) throws IOException {
    Files.deleteIfExists(path);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    return server;
  }

  static HandoverChannel accepted(SocketChannel channel) throws IOException {
    return new HandoverChannel(channel);
  }

  static HandoverChannel connect(Path path) throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.connect(UnixDomainSocketAddress.of(path));
      return new HandoverChannel(ch);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** Whether the process at the other end is root. */
  boolean peerIsRoot() {
    try {
      var principal = channel.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED);
      return principal.user().getName().equals("root");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  void send(String line) throws IOException {
    write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
  }

  void send(byte[] bytes) throws IOException {
    write(ByteBuffer.wrap(bytes));
  }

  private void write(ByteBuffer b) throws IOException {
    // Non-blocking: the peer reads as fast as it can, so spinning on a full buffer is short; bounded all the same.
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (b.hasRemaining()) {
      if (channel.write(b) == 0) {
        if (System.nanoTime() > deadline) {
          throw new IOException("the other daemon does not read");
        }
        Thread.onSpinWait();
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted");
        }
      }
    }
  }

  /** The next line (without its newline), read within {@code millis}. */
  String readLine(long millis) throws IOException {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    StringBuilder line = new StringBuilder();
    while (true) {
      while (in.hasRemaining()) {
        byte c = in.get();
        if (c == '\n') {
          return line.toString();
        }
        if (line.length() == MAX_LINE) {
          throw new IOException("a line longer than " + MAX_LINE + " bytes");
        }
        line.append((char) (c & 0xff));
      }
      fill(deadline);
    }
  }

  /** Exactly {@code n} bytes, read within {@code millis}. */
  byte[] readBytes(int n, long millis) throws IOException {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    byte[] out = new byte[n];
    int got = 0;
    while (got < n) {
      if (!in.hasRemaining()) {
        fill(deadline);
      }
      int k = Math.min(in.remaining(), n - got);
      in.get(out, got, k);
      got += k;
    }
    return out;
  }

  private void fill(long deadline) throws IOException {
    in.clear();
    try {
      while (true) {
        int n = channel.read(in);
        if (n < 0) {
          throw new EOFException("the other daemon closed the connection");
        }
        if (n > 0) {
          return;
        }
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
          throw new IOException("the other daemon did not answer in time");
        }
        selector.select(left);
        selector.selectedKeys().clear();
      }
    } finally {
      in.flip();
    }
  }

  @Override
  public void close() {
    try {
      selector.close();
    } catch (IOException ignored) {
      // closing
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing
    }
  }
}
