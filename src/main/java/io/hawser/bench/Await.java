package io.hawser.bench;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Blocks the main thread on a Vert.x future, always with a deadline, never on an event loop. */
final class Await {
  private Await() {}

  static <T> T result(Future<T> future, Duration timeout, String what) {
    try {
      return future.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new BenchException(what + ": no answer within " + timeout.toMillis() + " ms");
    } catch (BenchException e) {
      throw e;
    } catch (Exception e) { // Future.await rethrows the failure as is, checked or not
      throw new BenchException(what + ": " + describe(e), e);
    }
  }

  static String describe(Throwable t) {
    String msg = t.getMessage();
    return t.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
  }
}
