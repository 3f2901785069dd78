package dev.jlxcfs.util;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * The daemon's stderr, which every log line goes through: each text printed is passed through
 * {@link Texts#printable}, so that what a tenant put into a logged path, comm or cgroup name can neither end the
 * line (a forged log line) nor reach a terminal or the journal as a control sequence. Line ends come only from
 * {@code println}'s own newline.
 *
 * <p>slf4j-simple 2.0 (logFile=System.err) looks {@code System.err} up for each event
 * ({@code OutputChoice.getTargetPrintStream}) and writes the event with one {@code println(String)}, a throwable's
 * stack trace with {@code printStackTrace}, that is {@code println(Object)} per line: installed with
 * {@link #install} before the first log line, it sees all of them. Every {@code print} of text is escaped, so a
 * {@code print("...\n")} comes out as one line ending in a visible {@code \n}; raw {@code write} of bytes passes
 * untouched (nothing in the daemon writes its log that way).
 */
public final class PrintableStream extends PrintStream {

  public PrintableStream(OutputStream out, Charset charset) {
    super(out, true, charset);
  }

  /**
   * Makes {@code System.err} escape what it prints (once: an already escaping one is kept), in the charset the
   * JVM gave stderr.
   */
  public static synchronized void install() {
    if (!(System.err instanceof PrintableStream)) {
      System.setErr(new PrintableStream(System.err, stderrCharset()));
    }
  }

  /** As the JDK 17 chooses it for System.err: sun.stderr.encoding when set (a console), else the default charset. */
  static Charset stderrCharset() {
    String name = System.getProperty("sun.stderr.encoding");
    if (name != null) {
      try {
        return Charset.forName(name);
      } catch (IllegalArgumentException e) {
        // not supported: the default, as the JDK falls back to
      }
    }
    return Charset.defaultCharset();
  }

  // PrintStream's println(String|Object|char[]) print the text with print(...), then the line separator: these
  // overrides see every line's text.

  @Override
  public void print(String s) {
    super.print(Texts.printable(String.valueOf(s)));
  }

  @Override
  public void print(Object obj) {
    print(String.valueOf(obj));
  }

  @Override
  public void print(char[] s) {
    print(new String(s));
  }

  @Override
  public void print(char c) {
    print(String.valueOf(c));
  }

  @Override
  public PrintStream append(CharSequence csq) {
    print(String.valueOf(csq));
    return this;
  }

  @Override
  public PrintStream append(CharSequence csq, int start, int end) {
    print(String.valueOf(csq == null ? "null" : csq).substring(start, end));
    return this;
  }

  @Override
  public PrintStream append(char c) {
    print(c);
    return this;
  }
}
