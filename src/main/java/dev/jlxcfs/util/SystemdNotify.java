package dev.jlxcfs.util;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * sd_notify(3) without libsystemd: one datagram of {@code KEY=VALUE} lines to the AF_UNIX socket that systemd names
 * in {@code NOTIFY_SOCKET} (a unit of {@code Type=notify}). Elsewhere (a terminal, a container, a DaemonSet) that
 * variable is unset and nothing is sent. The unit counts as started when the daemon sends {@code READY=1}, which it
 * does once its mount serves: {@code systemctl start} returns then, and units ordered after it (container engines)
 * start only then.
 */
public final class SystemdNotify {

  private static final int AF_UNIX = 1;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 02000000;
  private static final int MSG_NOSIGNAL = 0x4000;
  /** sizeof(struct sockaddr_un.sun_path). */
  private static final int SUN_PATH = 108;

  private SystemdNotify() {}

  /** The socket systemd listens on for this service, or null when it is not a notify service of systemd's. */
  public static String socket() {
    String s = System.getenv("NOTIFY_SOCKET");
    return s == null || s.isEmpty() ? null : s;
  }

  /**
   * Sends {@code state} (e.g. {@code "READY=1\nSTATUS=serving"}). Returns false when there is no socket to send to;
   * throws when there is one and the send failed (the caller says so: systemd will then time the start out).
   */
  public static boolean send(String state) throws Native.SyscallException {
    String socket = socket();
    if (socket == null) {
      return false;
    }
    byte[] address = address(socket);
    byte[] message = state.getBytes(StandardCharsets.UTF_8);
    Native.LibC c = Native.libc();
    int fd = Native.check(c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket(AF_UNIX, SOCK_DGRAM)");
    try {
      Native.check((int) c.sendto(fd, message, message.length, MSG_NOSIGNAL, address, address.length),
          "sendto " + socket);
    } finally {
      c.close(fd);
    }
    return true;
  }

  /**
   * struct sockaddr_un for {@code socket}: a path ({@code /run/systemd/notify}, NUL-terminated) or, with a leading
   * {@code @}, a name in the abstract namespace (a leading NUL instead of the {@code @}, no terminator), as
   * sd_notify takes them.
   */
  static byte[] address(String socket) {
    if (!socket.startsWith("/") && !socket.startsWith("@")) {
      throw new IllegalArgumentException("NOTIFY_SOCKET is neither a path nor an abstract name: " + socket);
    }
    byte[] path = socket.getBytes(StandardCharsets.UTF_8);
    boolean abstractName = path[0] == '@';
    int pathLength = abstractName ? path.length : path.length + 1;
    if (pathLength > SUN_PATH) {
      throw new IllegalArgumentException("NOTIFY_SOCKET is longer than a socket address holds: " + socket);
    }
    ByteBuffer b = ByteBuffer.allocate(2 + pathLength).order(ByteOrder.nativeOrder());
    b.putShort((short) AF_UNIX);
    b.put(path);
    if (abstractName) {
      b.put(2, (byte) 0);
    }
    return b.array(); // the terminator of a path: the buffer's last byte, still 0
  }
}
