package io.hawser.model;

/**
 * The source a mirror stream copies.
 *
 * @param url base URL of a remote Hawser cluster, or null for a stream in this cluster
 */
public record MirrorConfig(String stream, String url) {
}
