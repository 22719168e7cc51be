package io.hawser.bench;

/** Progress lines go to stderr, so stdout holds only the result table. */
final class Progress {
  private static final long START = System.nanoTime();

  private Progress() {}

  static void say(String line) {
    System.err.printf("[%6.1fs] %s%n", (System.nanoTime() - START) / 1e9, line);
  }
}
