package io.hawser.testkit;

import io.vertx.core.json.JsonObject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Assertions on the contract's error shape {@code {"error":{"code":"<snake_case>","message":"<human text>"}}}. */
public final class Expect {
    private Expect() {
    }

    /** The status is {@code status}, the body is a well-formed error and (when not null) its code is {@code code}. */
    public static JsonObject error(HttpApi.Response r, int status, String code) {
        assertEquals(status, r.status(), () -> "status of " + r.describe());
        return errorShape(r, code);
    }

    /** The body is a well-formed error object (and its code is {@code code} when not null). */
    public static JsonObject errorShape(HttpApi.Response r, String code) {
        JsonObject body;
        try {
            body = new JsonObject(r.body());
        } catch (RuntimeException e) {
            throw new AssertionError("error body is not JSON: " + r.describe(), e);
        }
        JsonObject error = body.getJsonObject("error");
        assertNotNull(error, () -> "no error object: " + r.describe());
        String actual = error.getString("code");
        assertNotNull(actual, () -> "no error.code: " + r.describe());
        assertTrue(actual.matches("[a-z][a-z0-9_]*"), () -> "error.code is not snake_case: " + r.describe());
        String message = error.getString("message");
        assertNotNull(message, () -> "no error.message: " + r.describe());
        assertFalse(message.isBlank(), () -> "blank error.message: " + r.describe());
        if (code != null) {
            assertEquals(code, actual, () -> "error.code of " + r.describe());
        }
        return error;
    }

    /** A 503 must say when to come back. */
    public static void retryAfter(HttpApi.Response r) {
        String value = r.header("Retry-After").orElseGet(() -> fail("503 without Retry-After: " + r.describe()));
        assertTrue(value.trim().matches("\\d+") || value.contains("GMT"),
                () -> "Retry-After is neither seconds nor an HTTP date: " + value);
    }

    /** Never a 5xx (bad input must be rejected as such), and any error is well formed. */
    public static void no5xx(HttpApi.Response r) {
        assertTrue(r.status() < 500, () -> "server error for bad input: " + r.describe());
        if (r.status() >= 400) {
            errorShape(r, null);
        }
    }
}
