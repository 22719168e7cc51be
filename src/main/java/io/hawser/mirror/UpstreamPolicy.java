package io.hawser.mirror;

import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.MirrorConfig;

import java.util.List;

/**
 * Which source URLs mirrors may pull from: the operator's allowed prefixes ({@code mirrorAllowedUrls}), any URL when
 * there are none. A prefix matches on whole path segments, so {@code http://hub:8080} does not admit
 * {@code http://hub:80801}. A mirror of a stream in this cluster has no URL and is always allowed.
 */
public final class UpstreamPolicy {
    private final List<String> allowedPrefixes;

    public UpstreamPolicy(List<String> allowedPrefixes) {
        this.allowedPrefixes = List.copyOf(allowedPrefixes);
    }

    public boolean allows(MirrorConfig mirror) {
        if (mirror.url() == null || allowedPrefixes.isEmpty()) {
            return true;
        }
        for (String prefix : allowedPrefixes) {
            if (matches(mirror.url(), prefix)) {
                return true;
            }
        }
        return false;
    }

    /** @throws HawserException {@code mirror_url_not_allowed} (403) when the URL is not allowed */
    public void check(MirrorConfig mirror) {
        if (!allows(mirror)) {
            throw new HawserException(ErrorCode.MIRROR_URL_NOT_ALLOWED, "mirror url " + mirror.url()
                    + " is not allowed on this cluster; allowed prefixes (mirrorAllowedUrls): " + allowedPrefixes);
        }
    }

    private static boolean matches(String url, String prefix) {
        String base = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        return url.equals(base) || url.startsWith(base + "/");
    }
}
