/**
 * The admin command line ({@code java -jar hawser.jar <command>}, {@code bin/hawser}): a client of the public HTTP
 * API only. Streams, publish, tail, cluster status, and backup/restore of a stream's committed data.
 */
package io.hawser.cli;
