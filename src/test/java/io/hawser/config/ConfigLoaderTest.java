package io.hawser.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    @Test
    void defaultsWithoutAnything() {
        NodeConfig c = ConfigLoader.load(new String[0], Map.of(), null);
        assertEquals(8080, c.httpPort());
        assertEquals("127.0.0.1", c.httpHost());
        assertEquals(5701, c.clusterPort());
        assertEquals(Path.of("data"), c.dataDir());
        assertEquals(List.of(), c.join());
        assertEquals("", c.natsUrl());
    }

    @Test
    void flagsWinOverEnvWhichWinsOverFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("h.json");
        Files.writeString(file, "{\"httpPort\": 1111, \"clusterPort\": 2222, \"dataDir\": \"fromfile\","
                + " \"join\": [\"a:1\", \"b:2\"]}");
        NodeConfig c = ConfigLoader.load(new String[] {"--config", file.toString(), "--http-port=3333"},
                Map.of("HAWSER_HTTP_PORT", "4444", "HAWSER_CLUSTER_PORT", "5555"), null);
        assertEquals(3333, c.httpPort());
        assertEquals(5555, c.clusterPort());
        assertEquals(Path.of("fromfile"), c.dataDir());
        assertEquals(List.of("a:1", "b:2"), c.join());
    }

    @Test
    void unknownKeysAndBadValuesAreNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("h.json");
        Files.writeString(file, "{\"httpProt\": 1}");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(new String[] {"--config", file.toString()}, Map.of(), null));
        assertTrue(e.getMessage().contains("httpProt"), e.getMessage());

        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(new String[] {"--htp-port", "1"}, Map.of(), null));
        assertTrue(e.getMessage().contains("--htp-port"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(new String[] {"--http-port", "99999"}, Map.of(), null));
        assertTrue(e.getMessage().contains("httpPort"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(new String[] {"--join", "nohostport"}, Map.of(), null));
        assertTrue(e.getMessage().contains("join"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(new String[] {"--http-port"}, Map.of(), null));
        assertTrue(e.getMessage().contains("needs a value"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(new String[] {"--config", dir.resolve("missing.json").toString()}, Map.of(), null));
        assertTrue(e.getMessage().contains("missing.json"), e.getMessage());
    }

    @Test
    void shippedConfigHasEveryKeyWithItsDefaultAndEveryKeyIsDocumented() throws Exception {
        JsonObject shipped = new JsonObject(Files.readString(Path.of("conf/hawser.json")));
        String docs = Files.readString(Path.of("conf/README.md"));
        assertEquals(ConfigKey.values().length, shipped.size(), "conf/hawser.json keys: " + shipped.fieldNames());
        for (ConfigKey key : ConfigKey.values()) {
            assertTrue(shipped.containsKey(key.key()), "conf/hawser.json lacks " + key.key());
            assertTrue(docs.contains("`" + key.key() + "`"), "conf/README.md does not document " + key.key());
            assertTrue(docs.contains("`" + key.flag() + "`"), "conf/README.md lacks flag " + key.flag());
            assertTrue(docs.contains("`" + key.envVar() + "`"), "conf/README.md lacks env " + key.envVar());
        }
        // The shipped file must load to exactly the built-in defaults.
        assertEquals(ConfigLoader.load(new String[0], Map.of(), null),
                ConfigLoader.load(new String[] {"--config", "conf/hawser.json"}, Map.of(), null));
    }
}
