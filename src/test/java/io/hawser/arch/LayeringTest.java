package io.hawser.arch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layering rules of DESIGN.md §3: the storage core and the pure state machines import no framework, only the
 * control plane imports Hazelcast, and event-bus address literals live only in the bus package.
 */
class LayeringTest {
    private static final Path MAIN = Path.of("src/main/java/io/hawser");
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(static\\s+)?([\\w.]+)", Pattern.MULTILINE);
    private static final List<String> FRAMEWORKS = List.of("io.vertx", "com.hazelcast", "io.nats");

    @Test
    void coreLayersImportNoFramework() throws IOException {
        List<String> violations = new ArrayList<>();
        for (String layer : List.of("log", "model", "partition")) {
            for (Path file : javaFiles(MAIN.resolve(layer))) {
                for (String imported : imports(file)) {
                    if (FRAMEWORKS.stream().anyMatch(imported::startsWith)) {
                        violations.add(MAIN.relativize(file) + " imports " + imported);
                    }
                }
            }
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void lowerLayersDoNotDependOnUpperOnes() throws IOException {
        Map<String, List<String>> forbidden = Map.of(
                "log", List.of("io.hawser."),
                "model", List.of("io.hawser.http", "io.hawser.storage", "io.hawser.partition", "io.hawser.app",
                        "io.hawser.ingest", "io.hawser.cluster", "io.hawser.bus"),
                "partition", List.of("io.hawser.http", "io.hawser.storage", "io.hawser.app", "io.hawser.ingest",
                        "io.hawser.cluster", "io.hawser.bus", "io.hawser.delivery"));
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, List<String>> rule : forbidden.entrySet()) {
            for (Path file : javaFiles(MAIN.resolve(rule.getKey()))) {
                for (String imported : imports(file)) {
                    boolean ownLayer = imported.startsWith("io.hawser." + rule.getKey() + ".")
                            || imported.startsWith("io.hawser.log.");
                    if (!ownLayer && rule.getValue().stream().anyMatch(imported::startsWith)) {
                        violations.add(MAIN.relativize(file) + " imports " + imported);
                    }
                }
            }
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void onlyTheControlPlaneImportsHazelcast() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Path file : javaFiles(MAIN)) {
            if (file.startsWith(MAIN.resolve("cluster"))) {
                continue;
            }
            for (String imported : imports(file)) {
                if (imported.startsWith("com.hazelcast") || imported.startsWith("io.vertx.spi.cluster")) {
                    violations.add(MAIN.relativize(file) + " imports " + imported);
                }
            }
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void eventBusAddressesAreDeclaredOnlyInTheBusPackage() throws Exception {
        List<String> addresses = new ArrayList<>();
        for (java.lang.reflect.Field f : io.hawser.bus.Addresses.class.getFields()) {
            addresses.add("\"" + f.get(null) + "\"");
        }
        Pattern literalTarget = Pattern.compile("\\b(request|send|publish|consumer|localConsumer)\\(\\s*\"");
        List<String> violations = new ArrayList<>();
        for (Path file : javaFiles(MAIN)) {
            if (file.startsWith(MAIN.resolve("bus"))) {
                continue;
            }
            String source = Files.readString(file);
            for (String address : addresses) {
                if (source.contains(address)) {
                    violations.add(MAIN.relativize(file) + " has address literal " + address);
                }
            }
            Matcher m = literalTarget.matcher(source);
            while (m.find()) {
                violations.add(MAIN.relativize(file) + " passes a string literal to " + m.group(1));
            }
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void everyPackageSaysWhatItOwns() throws IOException {
        try (Stream<Path> dirs = Files.walk(MAIN)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                boolean hasJava;
                try (Stream<Path> files = Files.list(dir)) {
                    hasJava = files.anyMatch(f -> f.toString().endsWith(".java"));
                }
                if (hasJava) {
                    assertTrue(Files.exists(dir.resolve("package-info.java")), dir + " has no package-info.java");
                }
            }
        }
    }

    private static List<Path> javaFiles(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.toString().endsWith(".java")).toList();
        }
    }

    private static List<String> imports(Path file) throws IOException {
        List<String> result = new ArrayList<>();
        Matcher m = IMPORT.matcher(Files.readString(file));
        while (m.find()) {
            result.add(m.group(2));
        }
        return result;
    }
}
