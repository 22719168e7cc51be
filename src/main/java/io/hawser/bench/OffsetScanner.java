package io.hawser.bench;

import io.vertx.core.buffer.Buffer;

/**
 * Finds the number after the first {@code "offset"} key in a JSON buffer without building a
 * JSON tree: replay frames arrive at hundreds of thousands per second on a machine whose CPU
 * the server needs, so the client must stay cheap. Bench messages have no headers and a base64
 * value (no quotes), so the first {@code "offset"} key is the message's own.
 */
final class OffsetScanner {
  static final long NONE = Long.MIN_VALUE;
  private static final byte[] KEY = {'"', 'o', 'f', 'f', 's', 'e', 't', '"'};

  private OffsetScanner() {}

  /** The offset, or {@link #NONE} if the buffer has no {@code "offset": <integer>}. */
  static long find(Buffer json) {
    int n = json.length();
    int last = n - KEY.length;
    outer:
    for (int i = 0; i <= last; i++) {
      if (json.getByte(i) != '"') {
        continue;
      }
      for (int j = 1; j < KEY.length; j++) {
        if (json.getByte(i + j) != KEY[j]) {
          continue outer;
        }
      }
      int k = skipSpaces(json, i + KEY.length, n);
      if (k >= n || json.getByte(k) != ':') {
        continue;
      }
      k = skipSpaces(json, k + 1, n);
      boolean negative = k < n && json.getByte(k) == '-';
      if (negative) {
        k++;
      }
      long value = 0;
      int digits = 0;
      while (k < n) {
        byte b = json.getByte(k);
        if (b < '0' || b > '9') {
          break;
        }
        value = value * 10 + (b - '0');
        digits++;
        k++;
      }
      if (digits == 0 || digits > 18) {
        return NONE;
      }
      return negative ? -value : value;
    }
    return NONE;
  }

  private static int skipSpaces(Buffer json, int k, int n) {
    while (k < n) {
      byte b = json.getByte(k);
      if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
        break;
      }
      k++;
    }
    return k;
  }
}
