package io.hawser.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link NodeConfig} from the config file, the environment and the command line, in rising precedence.
 * Runs once on the main thread at start-up.
 */
public final class ConfigLoader {

    public static final String DEFAULT_CONFIG_FILE = "conf/hawser.json";

    private ConfigLoader() {
    }

    /**
     * @param args        command-line flags ({@code --http-port 8081} or {@code --http-port=8081}, plus {@code --config FILE})
     * @param env         environment variables
     * @param defaultFile file read when no {@code --config} is given; may be null or missing
     */
    public static NodeConfig load(String[] args, Map<String, String> env, Path defaultFile) {
        Map<ConfigKey, String> flags = new EnumMap<>(ConfigKey.class);
        Path configFile = parseFlags(args, flags);
        boolean explicitFile = configFile != null;
        if (!explicitFile && env.containsKey("HAWSER_CONFIG")) {
            configFile = Path.of(env.get("HAWSER_CONFIG"));
            explicitFile = true;
        }
        if (configFile == null) {
            configFile = defaultFile;
        }

        Map<ConfigKey, String> values = new EnumMap<>(ConfigKey.class);
        for (ConfigKey key : ConfigKey.values()) {
            values.put(key, key.defaultValue());
        }
        if (configFile != null && (explicitFile || Files.exists(configFile))) {
            values.putAll(readFile(configFile));
        }
        for (ConfigKey key : ConfigKey.values()) {
            String fromEnv = env.get(key.envVar());
            if (fromEnv != null) {
                values.put(key, fromEnv);
            }
        }
        values.putAll(flags);
        return build(values);
    }

    private static Path parseFlags(String[] args, Map<ConfigKey, String> flags) {
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (!name.startsWith("--")) {
                throw new ConfigException("unexpected argument '" + arg + "' (options look like --http-port 8080)");
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new ConfigException("option " + name + " needs a value");
                }
                value = args[++i];
            }
            if (name.equals("--config")) {
                configFile = Path.of(value);
                continue;
            }
            ConfigKey key = ConfigKey.byFlag(name);
            if (key == null) {
                throw new ConfigException("unknown option " + name + "; known options: --config, "
                        + String.join(", ", Arrays.stream(ConfigKey.values()).map(ConfigKey::flag).toList()));
            }
            flags.put(key, value);
        }
        return configFile;
    }

    private static Map<ConfigKey, String> readFile(Path file) {
        JsonObject json;
        try {
            json = new JsonObject(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        } catch (DecodeException e) {
            throw new ConfigException("config file " + file + " is not valid JSON: " + e.getMessage());
        }
        Map<ConfigKey, String> values = new EnumMap<>(ConfigKey.class);
        for (Map.Entry<String, Object> entry : json) {
            ConfigKey key = ConfigKey.byKey(entry.getKey());
            if (key == null) {
                throw new ConfigException("unknown key '" + entry.getKey() + "' in config file " + file);
            }
            Object value = entry.getValue();
            if (value instanceof JsonArray array) {
                List<String> parts = new ArrayList<>();
                array.forEach(v -> parts.add(String.valueOf(v)));
                values.put(key, String.join(",", parts));
            } else {
                values.put(key, value == null ? "" : String.valueOf(value));
            }
        }
        return values;
    }

    static NodeConfig build(Map<ConfigKey, String> v) {
        List<String> join = new ArrayList<>();
        for (String member : v.get(ConfigKey.JOIN).split(",")) {
            String m = member.trim();
            if (m.isEmpty()) {
                continue;
            }
            int colon = m.lastIndexOf(':');
            if (colon <= 0) {
                throw new ConfigException("join: '" + m + "' is not host:port");
            }
            port(ConfigKey.JOIN, m.substring(colon + 1), 1);
            join.add(m);
        }
        String nodeId = v.get(ConfigKey.NODE_ID).trim();
        if (!nodeId.isEmpty() && !nodeId.matches("^[A-Za-z0-9_.-]{1,64}$")) {
            throw new ConfigException("nodeId: '" + nodeId + "' must match ^[A-Za-z0-9_.-]{1,64}$");
        }
        String dataDir = v.get(ConfigKey.DATA_DIR).trim();
        if (dataDir.isEmpty()) {
            throw new ConfigException("dataDir must not be empty");
        }
        return new NodeConfig(
                nodeId,
                Path.of(dataDir),
                nonEmpty(ConfigKey.HTTP_HOST, v),
                port(ConfigKey.HTTP_PORT, v.get(ConfigKey.HTTP_PORT), 0),
                clusterName(v.get(ConfigKey.CLUSTER_NAME)),
                nonEmpty(ConfigKey.CLUSTER_HOST, v),
                port(ConfigKey.CLUSTER_PORT, v.get(ConfigKey.CLUSTER_PORT), 1),
                join,
                v.get(ConfigKey.NATS_URL).trim(),
                number(ConfigKey.SEGMENT_BYTES, v, 1024, Long.MAX_VALUE),
                number(ConfigKey.MAX_BATCH_BYTES, v, 1024, Integer.MAX_VALUE),
                (int) number(ConfigKey.MAX_BATCH_MESSAGES, v, 1, 10_000_000),
                number(ConfigKey.RETENTION_CHECK_MS, v, 10, Long.MAX_VALUE),
                number(ConfigKey.REPLICA_MAX_LAG_MS, v, 100, 3_600_000),
                number(ConfigKey.MAX_WAIT_MS, v, 1, 3_600_000),
                (int) number(ConfigKey.SUBSCRIBER_BATCH, v, 1, 100_000),
                urlPrefixes(v.get(ConfigKey.MIRROR_ALLOWED_URLS)));
    }

    private static List<String> urlPrefixes(String raw) {
        List<String> prefixes = new ArrayList<>();
        for (String part : raw.split(",")) {
            String prefix = part.trim();
            if (prefix.isEmpty()) {
                continue;
            }
            if (!prefix.matches("^https?://[^\\s/]+(/.*)?$")) {
                throw new ConfigException(ConfigKey.MIRROR_ALLOWED_URLS.key() + ": '" + prefix
                        + "' is not an http(s) URL");
            }
            prefixes.add(prefix);
        }
        return prefixes;
    }

    private static String clusterName(String raw) {
        String name = raw.trim();
        if (!name.matches("^[A-Za-z0-9_.-]{1,64}$")) {
            throw new ConfigException("clusterName: '" + raw + "' must match ^[A-Za-z0-9_.-]{1,64}$");
        }
        return name;
    }

    private static String nonEmpty(ConfigKey key, Map<ConfigKey, String> v) {
        String s = v.get(key).trim();
        if (s.isEmpty()) {
            throw new ConfigException(key.key() + " must not be empty");
        }
        return s;
    }

    private static int port(ConfigKey key, String raw, int min) {
        return (int) parse(key, raw, min, 65535);
    }

    private static long number(ConfigKey key, Map<ConfigKey, String> v, long min, long max) {
        return parse(key, v.get(key), min, max);
    }

    private static long parse(ConfigKey key, String raw, long min, long max) {
        long n;
        try {
            n = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key.key() + ": '" + raw + "' is not a number");
        }
        if (n < min || n > max) {
            throw new ConfigException(key.key() + ": " + n + " is outside [" + min + ", " + max + "]");
        }
        return n;
    }
}
