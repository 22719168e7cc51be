package io.hawser.http;

import io.hawser.bus.Failures;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** Writes JSON answers and the API's one error shape. */
final class Responses {
    private Responses() {
    }

    static void json(HttpServerResponse response, int status, JsonObject body) {
        json(response, status, body.encode());
    }

    static void json(HttpServerResponse response, int status, String body) {
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
    }

    static JsonObject errorBody(ErrorCode code, String message) {
        return new JsonObject().put("error", new JsonObject().put("code", code.code()).put("message", message));
    }

    static void error(HttpServerResponse response, Throwable failure) {
        HawserException e = Failures.toHawser(failure);
        if (e.code().httpStatus() == 503) {
            response.putHeader("Retry-After", "1");
        }
        if (e.code().httpStatus() == 413) {
            // The rest of the body was never read: the connection cannot carry another request.
            response.putHeader("Connection", "close");
        }
        json(response, e.code().httpStatus(), errorBody(e.code(), e.getMessage()));
    }

    /** An error after which the connection must not be reused (the request body was not read). */
    static void errorAndClose(HttpServerResponse response, Throwable failure) {
        response.putHeader("Connection", "close");
        error(response, failure);
    }
}
