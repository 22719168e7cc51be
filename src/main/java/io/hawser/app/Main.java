package io.hawser.app;

import io.hawser.config.ConfigException;
import io.hawser.config.ConfigLoader;
import io.hawser.config.NodeConfig;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar hawser.jar [options]}: runs a node until SIGTERM/SIGINT, then shuts it down cleanly (logs synced
 * and closed) and exits 0. Exit 2 for a bad configuration, 1 when the node cannot start.
 */
public final class Main {
    /** Hazelcast logs every step of joining at INFO; warnings are what an operator needs. Held: JUL loggers are weak. */
    private static final java.util.logging.Logger HAZELCAST_LOG = java.util.logging.Logger.getLogger("com.hazelcast");
    /** Except membership: member lists, mastership claims and split-brain merges explain every failover. */
    private static final java.util.logging.Logger MEMBERSHIP_LOG =
            java.util.logging.Logger.getLogger("com.hazelcast.internal.cluster");

    private Main() {
    }

    /** One line per event, key=value, UTC: set before the first logger exists. */
    static final String LOG_FORMAT = "%1$tY-%1$tm-%1$tdT%1$tH:%1$tM:%1$tS.%1$tLZ level=%4$s logger=%3$s msg=\"%5$s\"%6$s%n";

    public static void main(String[] args) throws Exception {
        System.setProperty("user.timezone", "UTC");
        java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("UTC"));
        System.setProperty("java.util.logging.SimpleFormatter.format", LOG_FORMAT);
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(Usage.text());
            return;
        }
        if (args.length > 0 && io.hawser.cli.HawserCli.COMMANDS.contains(args[0])) {
            System.exit(io.hawser.cli.HawserCli.run(args)); // an admin command, not a node
            return;
        }
        HAZELCAST_LOG.setLevel(java.util.logging.Level.WARNING);
        MEMBERSHIP_LOG.setLevel(java.util.logging.Level.INFO);
        NodeConfig config;
        try {
            config = ConfigLoader.load(args, System.getenv(), Path.of(ConfigLoader.DEFAULT_CONFIG_FILE));
        } catch (ConfigException e) {
            System.err.println("hawser: " + e.getMessage());
            System.err.println("Run with --help for the options.");
            System.exit(2);
            return;
        }
        HawserNode node;
        try {
            node = HawserNode.start(config).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            System.err.println("hawser: cannot start: " + cause.getMessage());
            System.exit(1);
            return;
        }
        System.out.println("Hawser node " + node.nodeId() + " listening on http://" + config.httpHost() + ":"
                + node.httpPort());
        // SIGTERM/SIGINT: close cleanly, then exit 0 (a JVM merely ended by the signal would exit 143/130).
        for (String signal : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> new Thread(() -> {
                System.exit(shutDown(node) ? 0 : 1);
            }, "hawser-shutdown").start());
        }
        // Any other orderly JVM exit still closes the node; close() is idempotent.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> shutDown(node), "hawser-shutdown-hook"));
    }

    private static final java.util.concurrent.atomic.AtomicBoolean STOPPED = new java.util.concurrent.atomic.AtomicBoolean();

    private static boolean shutDown(HawserNode node) {
        if (STOPPED.getAndSet(true)) {
            return true;
        }
        try {
            node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            System.out.println("Hawser node " + node.nodeId() + " stopped");
            return true;
        } catch (Exception e) {
            System.err.println("hawser: unclean shutdown: " + e);
            return false;
        }
    }
}
