package io.hawser.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Parses and checks the deployment files under deploy/ (run from the project directory). */
class DeployFilesTest {

    private static final Path DEPLOY = Path.of("deploy");

    /** The hawser_* names /metrics exposes (Micrometer: dots to underscores, base unit suffix, counters _total). */
    private static final Set<String> HAWSER_METRICS = Set.of(
            "hawser_messages_in_total", "hawser_bytes_in_bytes_total", "hawser_messages_out_total",
            "hawser_append_ack_seconds_bucket", "hawser_append_ack_seconds_count", "hawser_append_ack_seconds_sum",
            "hawser_append_ack_seconds_max",
            "hawser_partition_end_offset", "hawser_partition_high_watermark", "hawser_partition_isr",
            "hawser_partitions_under_replicated", "hawser_partitions_offline", "hawser_leader_elections_total",
            "hawser_mirror_lag", "hawser_mirror_contact_age_seconds", "hawser_mirror_state",
            "hawser_mirror_problems_total",
            "hawser_nats_connected", "hawser_nats_captured_total", "hawser_nats_replies_total",
            "hawser_nats_dropped_total", "hawser_nats_republished_total",
            "hawser_disk_free_bytes", "hawser_disk_total_bytes", "hawser_storage_failures_total",
            "hawser_group_commit_sync_seconds_bucket", "hawser_group_commit_messages_bucket", "hawser_replica_lag",
            "hawser_partition_size_bytes", "hawser_subscribers", "hawser_subscriber_lag",
            "hawser_bytes_out_bytes_total");

    private static final Set<String> REQUIRED_ALERTS = Set.of(
            "HawserUnderReplicatedPartitions", "HawserOfflinePartitions", "HawserMirrorLagHigh",
            "HawserMirrorSourceUnavailable", "HawserDiskNearlyFull", "HawserNatsBridgeDisconnected");

    private static final Pattern HAWSER_NAME = Pattern.compile("\\bhawser_[a-zA-Z0-9_]+");

    @Test
    void everyJsonFileParses() throws IOException {
        List<Path> files = files(".json");
        assertFalse(files.isEmpty(), "no JSON under deploy/");
        for (Path f : files) {
            try {
                new JsonObject(Files.readString(f));
            } catch (RuntimeException e) {
                fail(f + " is not a JSON object: " + e.getMessage());
            }
        }
    }

    @Test
    void everyYamlFileParses() throws IOException {
        List<Path> files = files(".yaml", ".yml");
        assertTrue(files.size() >= 6, "expected the compose, k8s, prometheus and grafana YAML: " + files);
        for (Path f : files) {
            List<Object> docs = yamlAll(f);
            assertFalse(docs.isEmpty(), f + " has no document");
            for (Object doc : docs) {
                assertInstanceOf(Map.class, doc, f + ": every document must be a mapping");
            }
        }
    }

    @Test
    void kubernetesManifests() throws IOException {
        Map<String, List<Map<String, Object>>> byKind = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(DEPLOY.resolve("k8s"))) {
            for (Path f : s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).toList()) {
                for (Object doc : yamlAll(f)) {
                    Map<String, Object> m = map(doc, f.toString());
                    assertNotNull(m.get("apiVersion"), f + ": document without apiVersion");
                    byKind.computeIfAbsent((String) m.get("kind"), k -> new ArrayList<>()).add(m);
                }
            }
        }
        for (String kind : List.of("StatefulSet", "Service", "ConfigMap", "PodDisruptionBudget")) {
            assertTrue(byKind.containsKey(kind), "no " + kind + " in deploy/k8s: " + byKind.keySet());
        }

        Map<String, Object> headless = byKind.get("Service").stream()
                .filter(svc -> "None".equals(map(svc.get("spec"), "spec").get("clusterIP"))).findFirst()
                .orElseThrow(() -> new AssertionError("no headless Service (clusterIP: None)"));
        Map<String, Object> headlessSpec = map(headless.get("spec"), "headless spec");
        assertEquals(Boolean.TRUE, headlessSpec.get("publishNotReadyAddresses"));
        assertEquals(Set.of(8080, 5701), ports(headlessSpec));
        String headlessName = (String) map(headless.get("metadata"), "metadata").get("name");
        assertTrue(byKind.get("Service").stream().anyMatch(svc -> svc != headless
                && ports(map(svc.get("spec"), "spec")).contains(8080)), "no client Service on 8080");

        Map<String, Object> sts = byKind.get("StatefulSet").get(0);
        Map<String, Object> spec = map(sts.get("spec"), "StatefulSet spec");
        assertEquals(3, spec.get("replicas"));
        assertEquals(headlessName, spec.get("serviceName"));
        assertFalse(list(spec.get("volumeClaimTemplates"), "volumeClaimTemplates").isEmpty());
        Map<String, Object> pod = map(map(spec.get("template"), "template").get("spec"), "pod spec");
        int grace = (Integer) pod.get("terminationGracePeriodSeconds");
        assertTrue(grace >= 60 && grace <= 120, "terminationGracePeriodSeconds " + grace);
        Map<String, Object> container = map(list(pod.get("containers"), "containers").get(0), "container");
        assertEquals("/health/ready", probePath(container, "readinessProbe"));
        assertEquals("/health/live", probePath(container, "livenessProbe"));
        Map<String, Map<String, Object>> env = new LinkedHashMap<>();
        for (Object e : list(container.get("env"), "env")) {
            Map<String, Object> var = map(e, "env var");
            env.put((String) var.get("name"), var);
        }
        assertEquals("metadata.name", map(map(env.get("HAWSER_NODE_ID").get("valueFrom"), "valueFrom")
                .get("fieldRef"), "fieldRef").get("fieldPath"));
        String join = (String) env.get("HAWSER_JOIN").get("value");
        for (int i = 0; i < 3; i++) {
            assertTrue(join.contains("hawser-" + i + "." + headlessName), "HAWSER_JOIN misses hawser-" + i + ": " + join);
        }
        env.keySet().stream().filter(n -> n.startsWith("HAWSER_")).forEach(DeployFilesTest::assertKnownEnv);

        Map<String, Object> pdb = map(byKind.get("PodDisruptionBudget").get(0).get("spec"), "PDB spec");
        assertEquals(1, pdb.get("maxUnavailable"));

        Map<String, Object> data = map(byKind.get("ConfigMap").get(0).get("data"), "ConfigMap data");
        assertKnownKeys(new JsonObject((String) data.get("hawser.json")), "ConfigMap hawser.json");
    }

    @Test
    void systemdConfigUsesKnownKeys() throws IOException {
        assertKnownKeys(new JsonObject(Files.readString(DEPLOY.resolve("systemd/hawser.json"))), "systemd/hawser.json");
    }

    @Test
    void alertRules() throws IOException {
        Map<String, Object> file = map(yaml(DEPLOY.resolve("prometheus/alerts.yml")), "alerts.yml");
        Set<String> names = new LinkedHashSet<>();
        for (Object g : list(file.get("groups"), "groups")) {
            Map<String, Object> group = map(g, "group");
            assertNotNull(group.get("name"), "group without name");
            for (Object r : list(group.get("rules"), "rules")) {
                Map<String, Object> rule = map(r, "rule");
                String alert = (String) rule.get("alert");
                assertNotNull(alert, "rule without alert: " + rule);
                assertTrue(names.add(alert), "duplicate alert " + alert);
                assertTrue(rule.get("expr") instanceof String e && !e.isBlank(), alert + ": no expr");
                assertTrue(String.valueOf(map(rule.get("labels"), alert + " labels").get("severity"))
                        .matches("critical|warning|info"), alert + ": severity");
                assertTrue(map(rule.get("annotations"), alert + " annotations").get("summary") instanceof String,
                        alert + ": no annotations.summary");
                if (rule.containsKey("for")) {
                    assertTrue(String.valueOf(rule.get("for")).matches("\\d+[smh]"), alert + ": for");
                }
                assertKnownMetrics((String) rule.get("expr"), "alert " + alert);
            }
        }
        assertTrue(names.containsAll(REQUIRED_ALERTS), "missing alerts: " + diff(REQUIRED_ALERTS, names));
    }

    @Test
    void prometheusConfig() throws IOException {
        Map<String, Object> prom = map(yaml(DEPLOY.resolve("prometheus/prometheus.yml")), "prometheus.yml");
        assertTrue(list(prom.get("rule_files"), "rule_files").stream().anyMatch(f -> f.toString().endsWith("alerts.yml")));
        String text = Files.readString(DEPLOY.resolve("prometheus/prometheus.yml"));
        for (String node : List.of("node-a", "node-b", "node-c")) {
            assertTrue(text.contains(node + ":8080"), "prometheus.yml does not scrape " + node);
        }
    }

    @Test
    void grafanaDashboard() throws IOException {
        JsonObject dash = new JsonObject(Files.readString(DEPLOY.resolve("grafana/dashboard.json")));
        assertFalse(dash.getString("title", "").isBlank(), "dashboard title");
        assertFalse(dash.getString("uid", "").isBlank(), "dashboard uid");
        JsonArray panels = dash.getJsonArray("panels");
        assertTrue(panels.size() >= 8, "too few panels");
        Set<Integer> ids = new TreeSet<>();
        int queries = 0;
        for (int i = 0; i < panels.size(); i++) {
            JsonObject p = panels.getJsonObject(i);
            assertTrue(ids.add(p.getInteger("id")), "duplicate panel id " + p.getInteger("id"));
            assertTrue(Set.of("timeseries", "stat", "row").contains(p.getString("type")), "panel type " + p);
            assertNotNull(p.getJsonObject("gridPos"), "panel without gridPos: " + p.getString("title"));
            if (p.getString("type").equals("row")) {
                continue;
            }
            JsonArray targets = p.getJsonArray("targets");
            assertFalse(targets == null || targets.isEmpty(), "panel without targets: " + p.getString("title"));
            for (int t = 0; t < targets.size(); t++) {
                String expr = targets.getJsonObject(t).getString("expr");
                assertFalse(expr == null || expr.isBlank(), "empty expr in " + p.getString("title"));
                assertKnownMetrics(expr, "panel " + p.getString("title"));
                queries++;
            }
        }
        assertTrue(queries >= 10, "too few queries: " + queries);

        Map<String, Object> ds = map(yaml(DEPLOY.resolve("grafana/provisioning/datasources/prometheus.yaml")), "ds");
        assertEquals("prometheus", map(list(ds.get("datasources"), "datasources").get(0), "ds").get("type"));
        Map<String, Object> dp = map(yaml(DEPLOY.resolve("grafana/provisioning/dashboards/hawser.yaml")), "dp");
        assertEquals("file", map(list(dp.get("providers"), "providers").get(0), "provider").get("type"));
    }

    @Test
    void composeFile() throws IOException {
        Path composeFile = DEPLOY.resolve("docker/compose.yaml");
        Map<String, Object> services = map(map(yaml(composeFile), "compose").get("services"), "services");
        for (String s : List.of("node-a", "node-b", "node-c", "nats", "prometheus", "grafana")) {
            assertTrue(services.containsKey(s), "compose service " + s + " missing");
        }
        for (String node : List.of("node-a", "node-b", "node-c")) {
            Map<String, Object> svc = map(services.get(node), node);
            assertNotNull(svc.get("image"), node + ": image (YAML merge key)");
            Map<String, Object> env = map(svc.get("environment"), node + " environment");
            assertEquals(node, env.get("HAWSER_NODE_ID"));
            assertEquals(node, env.get("HAWSER_CLUSTER_HOST"));
            assertEquals("node-a:5701,node-b:5701,node-c:5701", env.get("HAWSER_JOIN"));
            env.keySet().stream().filter(n -> n.startsWith("HAWSER_")).forEach(DeployFilesTest::assertKnownEnv);
        }
        // Bind-mounted files and the build context exist (paths relative to the compose file).
        for (Object svc : services.values()) {
            Object volumes = map(svc, "service").get("volumes");
            for (Object v : volumes == null ? List.of() : list(volumes, "volumes")) {
                String source = v.toString().split(":")[0];
                if (source.startsWith(".")) {
                    assertTrue(Files.exists(composeFile.getParent().resolve(source)), "compose mounts missing " + source);
                }
            }
        }
        Map<String, Object> build = map(map(services.get("node-a"), "node-a").get("build"), "build");
        Path context = composeFile.getParent().resolve((String) build.get("context"));
        assertTrue(Files.exists(context.resolve((String) build.get("dockerfile"))), "compose build dockerfile");
    }

    @Test
    void dockerfile() throws IOException {
        String df = Files.readString(DEPLOY.resolve("docker/Dockerfile"));
        assertTrue(df.contains("FROM eclipse-temurin:17-jre"), "base image");
        assertTrue(df.contains("COPY target/hawser.jar"), "copies the jar");
        assertTrue(df.matches("(?s).*\\nEXPOSE 8080 5701\\b.*"), "EXPOSE 8080 5701");
        assertTrue(df.contains("VOLUME [\"/var/lib/hawser\"]"), "data volume");
        Matcher health = Pattern.compile("(?s)HEALTHCHECK.*?CMD ([^\\n]*)").matcher(df);
        assertTrue(health.find(), "no HEALTHCHECK");
        assertTrue(health.group(1).contains("/health/live") && !health.group(1).contains("/health/ready"),
                "HEALTHCHECK must use /health/live: " + health.group(1));
        Matcher env = Pattern.compile("\\bHAWSER_[A-Z_]+\\b").matcher(df);
        while (env.find()) {
            assertKnownEnv(env.group());
        }
        Path entrypoint = DEPLOY.resolve("docker/entrypoint.sh");
        assertTrue(Files.isExecutable(entrypoint), entrypoint + " not executable");
        assertSyntax("sh", entrypoint);
    }

    @Test
    void localClusterScript() throws IOException {
        Path script = DEPLOY.resolve("local-cluster.sh");
        assertTrue(Files.isExecutable(script), script + " not executable");
        String text = Files.readString(script);
        assertTrue(text.startsWith("#!/usr/bin/env bash\n") || text.startsWith("#!/bin/bash\n"), "bash shebang");
        assertTrue(text.contains("set -euo pipefail"), "set -euo pipefail");
        for (String cmd : List.of("start)", "stop)", "status)")) {
            assertTrue(text.contains(cmd), "no " + cmd + " subcommand");
        }
        // The node's flags are all known options.
        int from = text.indexOf("-jar \"$JAR\"");
        assertTrue(from > 0, "no java -jar \"$JAR\" in the script");
        Matcher flag = Pattern.compile("--([a-z][a-z-]*)").matcher(text.substring(from, text.indexOf(">\"$DATA", from)));
        Set<String> known = new TreeSet<>();
        configKeys().forEach(k -> known.add(kebab(k)));
        int flags = 0;
        while (flag.find()) {
            assertTrue(known.contains(flag.group(1)), "unknown flag --" + flag.group(1) + " in local-cluster.sh");
            flags++;
        }
        assertTrue(flags >= 6, "too few flags found");
        assertSyntax("bash", script);
    }

    @Test
    void systemdUnit() throws IOException {
        Map<String, Map<String, String>> unit = new LinkedHashMap<>();
        Map<String, String> section = null;
        for (String line : Files.readAllLines(DEPLOY.resolve("systemd/hawser.service"))) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith(";")) {
                continue;
            }
            if (l.startsWith("[") && l.endsWith("]")) {
                section = unit.computeIfAbsent(l.substring(1, l.length() - 1), k -> new LinkedHashMap<>());
                continue;
            }
            assertNotNull(section, "setting outside a section: " + l);
            int eq = l.indexOf('=');
            assertTrue(eq > 0, "not key=value: " + l);
            section.put(l.substring(0, eq), l.substring(eq + 1));
        }
        assertTrue(unit.keySet().containsAll(List.of("Unit", "Service", "Install")), "sections: " + unit.keySet());
        Map<String, String> svc = unit.get("Service");
        assertTrue(svc.getOrDefault("ExecStart", "").matches(
                "/\\S*java -Xmx2g -jar /opt/hawser/hawser.jar --config /etc/hawser/hawser.json"),
                "ExecStart: " + svc.get("ExecStart"));
        assertEquals("hawser", svc.get("User"));
        assertEquals("on-failure", svc.get("Restart"));
        assertEquals("SIGTERM", svc.get("KillSignal"));
        assertNotNull(svc.get("LimitNOFILE"), "LimitNOFILE");
        assertTrue(Integer.parseInt(svc.get("TimeoutStopSec")) > 60, "TimeoutStopSec must exceed the node's 60 s");
        assertNotNull(unit.get("Install").get("WantedBy"), "WantedBy");
    }

    // ---- helpers ----

    private static List<Path> files(String... suffixes) throws IOException {
        try (Stream<Path> s = Files.walk(DEPLOY)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> Stream.of(suffixes).anyMatch(x -> p.getFileName().toString().endsWith(x)))
                    .sorted().toList();
        }
    }

    private static List<Object> yamlAll(Path f) throws IOException {
        List<Object> docs = new ArrayList<>();
        try {
            for (Object doc : new Yaml().loadAll(Files.readString(f))) {
                if (doc != null) {
                    docs.add(doc);
                }
            }
        } catch (RuntimeException e) {
            fail(f + " is not valid YAML: " + e.getMessage());
        }
        return docs;
    }

    private static Object yaml(Path f) throws IOException {
        List<Object> docs = yamlAll(f);
        assertEquals(1, docs.size(), f + ": expected one YAML document");
        return docs.get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String what) {
        assertInstanceOf(Map.class, o, what + " is not a mapping");
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o, String what) {
        assertInstanceOf(List.class, o, what + " is not a list");
        return (List<Object>) o;
    }

    private static Set<Integer> ports(Map<String, Object> serviceSpec) {
        Set<Integer> ports = new TreeSet<>();
        for (Object p : list(serviceSpec.get("ports"), "ports")) {
            ports.add((Integer) map(p, "port").get("port"));
        }
        return ports;
    }

    private static String probePath(Map<String, Object> container, String probe) {
        return (String) map(map(container.get(probe), probe).get("httpGet"), probe + ".httpGet").get("path");
    }

    private static Set<String> configKeys() {
        try {
            return new JsonObject(Files.readString(Path.of("conf/hawser.json"))).fieldNames();
        } catch (IOException e) {
            throw new AssertionError("cannot read conf/hawser.json", e);
        }
    }

    private static void assertKnownKeys(JsonObject config, String what) {
        Set<String> known = configKeys();
        assertFalse(config.isEmpty(), what + " is empty");
        for (String key : config.fieldNames()) {
            assertTrue(known.contains(key), what + ": unknown config key '" + key + "' (known: " + known + ")");
        }
    }

    /** HAWSER_ + a config key in upper snake case, or HAWSER_CONFIG. */
    private static void assertKnownEnv(String name) {
        Set<String> known = new TreeSet<>(Set.of("HAWSER_CONFIG"));
        configKeys().forEach(k -> known.add("HAWSER_" + kebab(k).replace('-', '_').toUpperCase()));
        assertTrue(known.contains(name), "unknown environment variable " + name + " (known: " + known + ")");
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    private static void assertKnownMetrics(String expr, String where) {
        Matcher m = HAWSER_NAME.matcher(expr);
        while (m.find()) {
            assertTrue(HAWSER_METRICS.contains(m.group()), where + ": unknown metric " + m.group() + " in " + expr);
        }
    }

    private static Set<String> diff(Set<String> a, Set<String> b) {
        Set<String> d = new TreeSet<>(a);
        d.removeAll(b);
        return d;
    }

    private static void assertSyntax(String shell, Path script) {
        try {
            Process p = new ProcessBuilder(shell, "-n", script.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), shell + " -n timed out");
            assertEquals(0, p.exitValue(), shell + " -n " + script + ": " + out);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + shell, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
