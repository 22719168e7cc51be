package io.hawser.http;

import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.vertx.core.http.HttpServerRequest;

/** Strict parsing of query parameters and headers; every failure is a 400 naming the parameter. */
final class RequestParams {
    private RequestParams() {
    }

    static long longParam(HttpServerRequest request, String name, long fallback, long min, long max) {
        return parseLong(request.getParam(name), name, fallback, min, max, ErrorCode.BAD_REQUEST);
    }

    static long parseLong(String raw, String name, long fallback, long min, long max, ErrorCode code) {
        if (raw == null) {
            return fallback;
        }
        long value;
        try {
            value = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new HawserException(code, name + " must be an integer (got '" + truncate(raw) + "')");
        }
        if (value < min || value > max) {
            throw new HawserException(code, name + " must be between " + min + " and " + max + " (got " + value + ")");
        }
        return value;
    }

    static String truncate(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }

    /** True when the request's content type is absent or one of {@code allowed} (parameters like charset ignored). */
    static boolean contentTypeIs(HttpServerRequest request, String... allowed) {
        String type = request.getHeader("Content-Type");
        if (type == null || type.isBlank()) {
            return true;
        }
        String base = type.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(base)) {
                return true;
            }
        }
        return false;
    }

    static HawserException unsupportedType(HttpServerRequest request, String expected) {
        return new HawserException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type '"
                + request.getHeader("Content-Type") + "' is not accepted here; send " + expected);
    }
}
