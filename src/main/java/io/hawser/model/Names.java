package io.hawser.model;

import java.util.regex.Pattern;

/** Validation of user-chosen names (API.md "Conventions"). */
public final class Names {
    private static final Pattern STREAM = Pattern.compile("^[A-Za-z0-9_-]{1,64}$");
    private static final Pattern CURSOR = Pattern.compile("^[A-Za-z0-9_.-]{1,128}$");

    private Names() {
    }

    public static String requireStream(String name) {
        if (name == null || !STREAM.matcher(name).matches()) {
            throw new HawserException(ErrorCode.INVALID_NAME,
                    "stream name must match ^[A-Za-z0-9_-]{1,64}$ (got '" + name + "')");
        }
        return name;
    }

    public static String requireCursor(String id) {
        if (id == null || !CURSOR.matcher(id).matches()) {
            throw new HawserException(ErrorCode.INVALID_NAME,
                    "cursor id must match ^[A-Za-z0-9_.-]{1,128}$ (got '" + id + "')");
        }
        return id;
    }
}
