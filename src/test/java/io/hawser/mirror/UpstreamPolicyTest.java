package io.hawser.mirror;

import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.MirrorConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UpstreamPolicyTest {

    private static MirrorConfig at(String url) {
        return new MirrorConfig("orders", url);
    }

    @Test
    void noPrefixesAllowAnyUrl() {
        assertTrue(new UpstreamPolicy(List.of()).allows(at("http://anywhere:1234")));
    }

    @Test
    void prefixesMatchWholePathSegments() {
        UpstreamPolicy policy = new UpstreamPolicy(List.of("http://hub:8080", "https://edge.example/hawser/"));
        assertTrue(policy.allows(at("http://hub:8080")));
        assertTrue(policy.allows(at("http://hub:8080/")));
        assertTrue(policy.allows(at("https://edge.example/hawser")));
        assertTrue(policy.allows(at("https://edge.example/hawser/eu")));
        assertFalse(policy.allows(at("http://hub:80801")), "another port");
        assertFalse(policy.allows(at("http://hub:8080.evil.example")), "another host");
        assertFalse(policy.allows(at("https://edge.example/hawserx")), "another path");
        assertFalse(policy.allows(at("https://hub:8080")), "another scheme");
    }

    @Test
    void aMirrorInsideTheClusterIsAlwaysAllowed() {
        assertTrue(new UpstreamPolicy(List.of("http://hub:8080")).allows(at(null)));
    }

    @Test
    void checkSaysWhichUrlsAreAllowed() {
        HawserException e = assertThrows(HawserException.class,
                () -> new UpstreamPolicy(List.of("http://hub:8080")).check(at("http://other:8080")));
        assertEquals(ErrorCode.MIRROR_URL_NOT_ALLOWED, e.code());
        assertTrue(e.getMessage().contains("http://other:8080") && e.getMessage().contains("http://hub:8080"));
    }
}
