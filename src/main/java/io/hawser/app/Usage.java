package io.hawser.app;

import io.hawser.config.ConfigKey;

/** The {@code --help} text, generated from {@link ConfigKey} so it cannot drift from the code. */
final class Usage {
    private Usage() {
    }

    static String text() {
        StringBuilder out = new StringBuilder("Usage: java -jar hawser.jar [options]\n\n")
                .append("Every option is also a key in the config file and an environment variable;\n")
                .append("flags win over the environment, the environment over the file.\n\n")
                .append(String.format("  %-28s %s%n", "--config FILE", "config file (default conf/hawser.json)"));
        for (ConfigKey key : ConfigKey.values()) {
            out.append(String.format("  %-28s %s (env %s, default '%s')%n", key.flag() + " V", key.description(),
                    key.envVar(), key.defaultValue()));
        }
        out.append("\nAdmin commands (streams, publish, tail, cluster, backup, restore) against a running node:\n")
                .append("  java -jar hawser.jar help\n");
        return out.toString();
    }
}
