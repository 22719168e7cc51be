package io.hawser.json;

import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/** Typed, strict access to fields of a request body. */
final class JsonFields {
    private final JsonObject json;
    private final String context;

    JsonFields(JsonObject json, String context, Set<String> allowed) {
        this.json = json;
        this.context = context;
        for (String key : json.fieldNames()) {
            if (!allowed.contains(key)) {
                throw error("unknown field '" + prefix() + key + "'; allowed: " + String.join(", ", allowed));
            }
        }
    }

    boolean has(String key) {
        return json.containsKey(key) && json.getValue(key) != null;
    }

    String string(String key, String fallback) {
        Object v = json.getValue(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof String s)) {
            throw error("'" + prefix() + key + "' must be a string");
        }
        return s;
    }

    long number(String key, long fallback) {
        Object v = json.getValue(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n) || n instanceof Double || n instanceof Float) {
            throw error("'" + prefix() + key + "' must be an integer");
        }
        if (n instanceof java.math.BigInteger || n instanceof java.math.BigDecimal) {
            throw error("'" + prefix() + key + "' is out of range");
        }
        return n.longValue();
    }

    int integer(String key, int fallback) {
        long n = number(key, fallback);
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
            throw error("'" + prefix() + key + "' is out of range");
        }
        return (int) n;
    }

    boolean bool(String key, boolean fallback) {
        Object v = json.getValue(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Boolean b)) {
            throw error("'" + prefix() + key + "' must be true or false");
        }
        return b;
    }

    JsonObject object(String key) {
        Object v = json.getValue(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof JsonObject o)) {
            throw error("'" + prefix() + key + "' must be an object");
        }
        return o;
    }

    private String prefix() {
        return context.isEmpty() ? "" : context + ".";
    }

    static HawserException error(String message) {
        return new HawserException(ErrorCode.INVALID_CONFIG, message);
    }
}
