/**
 * Start-up and shutdown: builds the configuration, starts Vert.x and deploys every verticle in data-flow order
 * (storage, ingest, control, then the HTTP edge last so nothing is served before the partitions are loaded), and
 * undeploys them in reverse on shutdown.
 */
package io.hawser.app;
