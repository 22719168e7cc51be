/**
 * Mirrors: a puller per mirror partition, on that partition's leader, copies the source stream over the source's
 * public HTTP API at the source's offsets. The pure parts ({@link io.hawser.mirror.ContinuityCheck},
 * {@link io.hawser.mirror.UpstreamPolicy}) know no framework.
 */
package io.hawser.mirror;
