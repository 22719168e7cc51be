package io.hawser.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code hawser <command> [args] [--url http://host:port]}: the admin commands. Every command talks to one node's
 * HTTP API ({@code --url}, else {@code HAWSER_URL}, else {@code http://127.0.0.1:8080}). Exit 0 on success, 1 when the
 * command failed, 2 on bad usage.
 */
public final class HawserCli {
    /** The first words that select the CLI rather than a node. */
    public static final Set<String> COMMANDS = Set.of("streams", "publish", "tail", "cluster", "backup", "restore",
            "help");

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;

    HawserCli(PrintStream out, PrintStream err, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.env = env;
    }

    public static int run(String[] args) {
        return new HawserCli(System.out, System.err, System.getenv()).execute(args);
    }

    static String usage() {
        return String.join("\n",
                "Usage: hawser <command> [arguments] [--url http://host:port]",
                "",
                "  streams list                              every stream, described",
                "  streams describe NAME                     one stream: config, partitions, offsets, mirror status",
                "  streams create NAME [--partitions N] [--replication-factor N] [--config JSON]",
                "  streams delete NAME",
                "  publish STREAM VALUE|- [--key K] [--partition P] [--ack none|leader|all]",
                "                                            - publishes each line of standard input",
                "  tail STREAM [--partition P] [--from earliest|latest|OFFSET] [--count N] [--follow]",
                "  cluster                                   members and controller",
                "  backup STREAM FILE                        committed messages to FILE (.gz: compressed)",
                "  restore FILE [--as NAME] [--replication-factor N]",
                "                                            into a new stream at the same offsets",
                "",
                "--url defaults to $HAWSER_URL, else http://127.0.0.1:8080.");
    }

    int execute(String[] args) {
        List<String> words = new ArrayList<>();
        Map<String, String> options = new HashMap<>();
        try {
            parse(args, words, options);
            if (words.isEmpty() || words.get(0).equals("help")) {
                out.println(usage());
                return 0;
            }
            AdminClient api = new AdminClient(options.getOrDefault("url",
                    env.getOrDefault("HAWSER_URL", "http://127.0.0.1:8080")));
            return dispatch(api, words, options);
        } catch (UsageError e) {
            err.println("hawser: " + e.getMessage());
            err.println(usage());
            return 2;
        } catch (CliException | java.io.UncheckedIOException e) {
            err.println("hawser: " + e.getMessage());
            return 1;
        }
    }

    private int dispatch(AdminClient api, List<String> words, Map<String, String> options) {
        String command = words.get(0);
        switch (command) {
            case "streams" -> streams(api, words, options);
            case "publish" -> publish(api, arg(words, 1, "STREAM"), arg(words, 2, "VALUE"), options);
            case "tail" -> tail(api, arg(words, 1, "STREAM"), options);
            case "cluster" -> out.println(api.expect(api.get("/v1/cluster"), "cluster").json().encodePrettily());
            case "backup" -> new StreamBackup(api, err).backup(arg(words, 1, "STREAM"), Path.of(arg(words, 2, "FILE")));
            case "restore" -> new StreamBackup(api, err).restore(Path.of(arg(words, 1, "FILE")), options.get("as"),
                    options.containsKey("replication-factor") ? number(options, "replication-factor") : null);
            default -> throw new UsageError("unknown command '" + command + "'");
        }
        return 0;
    }

    private void streams(AdminClient api, List<String> words, Map<String, String> options) {
        String verb = arg(words, 1, "list|describe|create|delete");
        switch (verb) {
            case "list" -> out.println(api.expect(api.get("/v1/streams"), "list").json().encodePrettily());
            case "describe" -> {
                String name = arg(words, 2, "NAME");
                out.println(api.expect(api.get("/v1/streams/" + name), "describe " + name).json().encodePrettily());
            }
            case "create" -> {
                String name = arg(words, 2, "NAME");
                JsonObject config = options.containsKey("config") ? parseJson(options.get("config")) : new JsonObject();
                config.put("name", name);
                if (options.containsKey("partitions")) {
                    config.put("partitions", number(options, "partitions"));
                }
                if (options.containsKey("replication-factor")) {
                    config.put("replicationFactor", number(options, "replication-factor"));
                }
                out.println(api.expect(api.postJson("/v1/streams", config), "create " + name, 200, 201).json()
                        .encodePrettily());
            }
            case "delete" -> {
                String name = arg(words, 2, "NAME");
                api.expect(api.delete("/v1/streams/" + name), "delete " + name, 204);
                out.println("deleted " + name);
            }
            default -> throw new UsageError("unknown streams command '" + verb + "'");
        }
    }

    private void publish(AdminClient api, String stream, String value, Map<String, String> options) {
        StringBuilder query = new StringBuilder();
        if (options.containsKey("partition")) {
            query.append("&partition=").append(number(options, "partition"));
        }
        if (options.containsKey("ack")) {
            query.append("&ack=").append(options.get("ack"));
        }
        String q = query.length() == 0 ? "" : "?" + query.substring(1);
        if (!value.equals("-")) {
            Map<String, String> headers = options.containsKey("key") ? Map.of("Hawser-Key", options.get("key"))
                    : Map.of();
            out.println(api.expect(api.post("/v1/streams/" + stream + "/messages" + q, "application/octet-stream",
                    value.getBytes(StandardCharsets.UTF_8), headers), "publish to " + stream).body());
            return;
        }
        // Lines of standard input, sent as NDJSON batches of up to 1,000.
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            List<String> batch = new ArrayList<>();
            long sent = 0;
            String line;
            while ((line = in.readLine()) != null) {
                JsonObject m = new JsonObject().put("text", line);
                if (options.containsKey("key")) {
                    m.put("key", options.get("key"));
                }
                batch.add(m.encode());
                if (batch.size() == 1000) {
                    sent += sendBatch(api, stream, q, batch);
                }
            }
            sent += sendBatch(api, stream, q, batch);
            out.println("published " + sent + " messages to " + stream);
        } catch (java.io.IOException e) {
            throw new CliException("cannot read standard input: " + e.getMessage());
        }
    }

    private long sendBatch(AdminClient api, String stream, String query, List<String> lines) {
        if (lines.isEmpty()) {
            return 0;
        }
        JsonObject answer = api.expect(api.post("/v1/streams/" + stream + "/batch" + query, "application/x-ndjson",
                (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8)), "publish to " + stream).json();
        long ok = 0;
        for (Object a : answer.getJsonArray("acks")) {
            JsonObject ack = (JsonObject) a;
            if (ack.containsKey("error")) {
                throw new CliException("publish to " + stream + " failed after " + ok + " of this batch: "
                        + ack.getJsonObject("error").encode());
            }
            ok++;
        }
        int n = lines.size();
        lines.clear();
        return Math.min(ok, n);
    }

    /** Prints messages as {@code partition/offset<TAB>text}; with --follow goes on with new ones (Ctrl-C ends). */
    private void tail(AdminClient api, String stream, Map<String, String> options) {
        int partition = options.containsKey("partition") ? number(options, "partition") : 0;
        long count = options.containsKey("count") ? number(options, "count") : Long.MAX_VALUE;
        boolean follow = options.containsKey("follow");
        String from = options.getOrDefault("from", "earliest");
        JsonObject p = api.expect(api.get("/v1/streams/" + stream), "describe " + stream).json()
                .getJsonArray("partitions").getJsonObject(partition);
        long offset = switch (from) {
            case "earliest" -> p.getLong("startOffset");
            case "latest" -> Math.max(p.getLong("startOffset"), p.getLong("highWatermark"));
            default -> {
                try {
                    yield Long.parseLong(from);
                } catch (NumberFormatException e) {
                    throw new UsageError("--from must be earliest, latest or an offset");
                }
            }
        };
        long printed = 0;
        while (printed < count) {
            JsonObject answer = api.expect(api.get("/v1/streams/" + stream + "/partitions/" + partition
                    + "/messages?format=text&limit=1000&offset=" + offset + (follow ? "&waitMs=30000" : "")),
                    "read " + stream).json();
            JsonArray messages = answer.getJsonArray("messages");
            for (int i = 0; i < messages.size() && printed < count; i++) {
                JsonObject m = messages.getJsonObject(i);
                out.println(partition + "/" + m.getLong("offset") + "\t" + m.getString("text"));
                printed++;
            }
            offset = answer.getLong("nextOffset");
            if (messages.isEmpty() && !follow) {
                break;
            }
        }
    }

    private static void parse(String[] args, List<String> words, Map<String, String> options) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--") && a.length() > 2) {
                String name = a.substring(2);
                int eq = name.indexOf('=');
                if (eq > 0) {
                    options.put(name.substring(0, eq), name.substring(eq + 1));
                } else if (name.equals("follow")) {
                    options.put(name, "true");
                } else if (i + 1 < args.length) {
                    options.put(name, args[++i]);
                } else {
                    throw new UsageError("option --" + name + " needs a value");
                }
            } else {
                words.add(a);
            }
        }
    }

    private static String arg(List<String> words, int i, String what) {
        if (i >= words.size()) {
            throw new UsageError(words.get(0) + ": missing " + what);
        }
        return words.get(i);
    }

    private static int number(Map<String, String> options, String name) {
        try {
            return Integer.parseInt(options.get(name));
        } catch (NumberFormatException e) {
            throw new UsageError("--" + name + " must be a number");
        }
    }

    private static JsonObject parseJson(String text) {
        try {
            return new JsonObject(text);
        } catch (RuntimeException e) {
            throw new UsageError("--config must be a JSON object: " + e.getMessage());
        }
    }

    /** Bad usage: exit 2 with the usage text. */
    private static final class UsageError extends RuntimeException {
        UsageError(String message) {
            super(message);
        }
    }
}
