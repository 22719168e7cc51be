package io.hawser.http;

import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a request body up to a limit. A declared {@code Content-Length} above the limit is refused before any byte
 * is read; a chunked body is refused as soon as it passes the limit. Either way nothing is stored.
 */
final class BodyReader {
    private BodyReader() {
    }

    static Future<Buffer> read(HttpServerRequest request, long limit, ErrorCode tooLargeCode) {
        String declared = request.getHeader("Content-Length");
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                return Future.failedFuture(new HawserException(ErrorCode.BAD_REQUEST, "invalid Content-Length"));
            }
            if (length > limit) {
                return Future.failedFuture(tooLarge(tooLargeCode, length, limit));
            }
        }
        Promise<Buffer> body = Promise.promise();
        Buffer buffer = Buffer.buffer(declared != null ? (int) Math.min(Long.parseLong(declared.trim()), limit) : 1024);
        request.handler(chunk -> {
            if (body.future().isComplete()) {
                return;
            }
            if (buffer.length() + chunk.length() > limit) {
                body.tryFail(tooLarge(tooLargeCode, buffer.length() + chunk.length(), limit));
                return;
            }
            buffer.appendBuffer(chunk);
        });
        request.endHandler(v -> body.tryComplete(buffer));
        request.exceptionHandler(body::tryFail);
        request.resume();
        return body.future();
    }

    private static HawserException tooLarge(ErrorCode code, long length, long limit) {
        return new HawserException(code,
                "request body of " + length + " bytes exceeds the limit of " + limit + " bytes");
    }
}
