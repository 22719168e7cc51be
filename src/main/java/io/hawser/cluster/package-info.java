/**
 * The control plane: stream metadata (the catalog), the controller that creates, patches and deletes streams, and
 * (with several nodes) membership, replica assignment and leader election. The only package that may import
 * Hazelcast. Catalog writes run on worker threads; reads are lock-free snapshots usable from any thread.
 */
package io.hawser.cluster;
