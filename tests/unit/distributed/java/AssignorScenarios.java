// Runs tests/unit/distributed/assignor_scenarios.txt against Kafka's own
// IncrementalCooperativeAssignor and prints the rounds in the format that
// tests/unit/distributed/test_assignor_scenarios.py compares with (assignor_scenarios.expected).
// Members are kept in a LinkedHashMap so Java iterates them in the same order as our assignor.
//
// How to run (see ConnectProtocolVectors.java for fetching the jars into /tmp/javavec/lib):
//   javac -cp 'lib/*' -d out <repo>/tests/unit/distributed/java/AssignorScenarios.java
//   java -cp 'lib/*:out' org.apache.kafka.connect.runtime.distributed.AssignorScenarios \
//       <repo>/tests/unit/distributed/assignor_scenarios.txt > assignor_scenarios.expected
package org.apache.kafka.connect.runtime.distributed;

import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.runtime.TargetState;
import org.apache.kafka.connect.runtime.distributed.WorkerCoordinator.ConnectorsAndTasks;
import org.apache.kafka.connect.storage.AppliedConnectorConfig;
import org.apache.kafka.connect.storage.ClusterConfigState;
import org.apache.kafka.connect.util.ConnectorTaskId;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

public class AssignorScenarios {
    static final class FakeTime implements Time {
        long now = 1_000_000L;
        public long milliseconds() { return now; }
        public long nanoseconds() { return now * 1_000_000L; }
        public void sleep(long ms) { now += ms; }
        public void waitObject(Object o, Supplier<Boolean> c, long d) { throw new UnsupportedOperationException(); }
    }

    FakeTime time;
    int maxDelay;
    IncrementalCooperativeAssignor assignor;
    int generationId;
    Map<String, Integer> connectors;
    LinkedHashMap<String, ConnectorsAndTasks> members;
    int round;

    void start(String name, int delay) {
        System.out.println("scenario " + name);
        time = new FakeTime();
        maxDelay = delay;
        generationId = 1000;
        connectors = new TreeMap<>();
        connectors.put("connector1", 4);
        connectors.put("connector2", 4);
        members = new LinkedHashMap<>();
        members.put("worker1", new ConnectorsAndTasks.Builder().build());
        round = 0;
        newAssignor();
    }

    void newAssignor() {
        assignor = new IncrementalCooperativeAssignor(new LogContext(), time, maxDelay);
        assignor.previousGenerationId = generationId;
    }

    ClusterConfigState configState() {
        Map<String, Integer> taskCounts = new HashMap<>(connectors);
        Map<String, Map<String, String>> configs = new HashMap<>();
        Map<String, TargetState> targets = new HashMap<>();
        Map<String, AppliedConnectorConfig> applied = new HashMap<>();
        Map<ConnectorTaskId, Map<String, String>> taskConfigs = new HashMap<>();
        for (Map.Entry<String, Integer> e : taskCounts.entrySet()) {
            configs.put(e.getKey(), Map.of());
            targets.put(e.getKey(), TargetState.STARTED);
            applied.put(e.getKey(), new AppliedConnectorConfig(Map.of()));
            for (int i = 0; i < e.getValue(); i++) taskConfigs.put(new ConnectorTaskId(e.getKey(), i), Map.of());
        }
        return new ClusterConfigState(618, null, taskCounts, configs, targets, taskConfigs,
                Map.of(), Map.of(), applied, Set.of(), Set.of());
    }

    static String join(Collection<?> items) {
        List<String> s = items.stream().map(Object::toString).sorted().collect(Collectors.toList());
        return s.isEmpty() ? "-" : String.join(",", s);
    }

    static <T> Collection<T> get(Map<String, Collection<T>> m, String w) {
        Collection<T> c = m.get(w);
        return c == null ? List.of() : c;
    }

    void rebalance(boolean failure, boolean mismatch) {
        generationId++;
        int lastCompleted = mismatch ? generationId - 2 : generationId - 1;
        LinkedHashMap<String, ConnectorsAndTasks> copy = new LinkedHashMap<>();
        members.forEach((w, a) -> copy.put(w, new ConnectorsAndTasks.Builder().with(a.connectors(), a.tasks()).build()));
        IncrementalCooperativeAssignor.ClusterAssignment r =
                assignor.performTaskAssignment(configState(), lastCompleted, generationId, copy);
        round++;
        System.out.println("round " + round + (failure ? " failed" : "") + " delay=" + assignor.delay);
        for (String w : members.keySet()) {
            System.out.println("  " + w
                    + " new=" + join(get(r.newlyAssignedConnectors(), w)) + "|" + join(get(r.newlyAssignedTasks(), w))
                    + " revoked=" + join(get(r.newlyRevokedConnectors(), w)) + "|" + join(get(r.newlyRevokedTasks(), w)));
        }
        if (failure) return;
        for (String w : r.allWorkers()) {
            ConnectorsAndTasks a = members.computeIfAbsent(w, x -> new ConnectorsAndTasks.Builder().build());
            a.connectors().removeAll(get(r.newlyRevokedConnectors(), w));
            a.connectors().addAll(get(r.newlyAssignedConnectors(), w));
            a.tasks().removeAll(get(r.newlyRevokedTasks(), w));
            a.tasks().addAll(get(r.newlyAssignedTasks(), w));
        }
        for (Map.Entry<String, ConnectorsAndTasks> e : members.entrySet()) {
            System.out.println("  " + e.getKey() + " runs " + join(e.getValue().connectors()) + "|" + join(e.getValue().tasks()));
        }
    }

    void run(List<String> lines) {
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] p = line.split("\\s+");
            switch (p[0]) {
                case "scenario" -> start(p[1], Integer.parseInt(p[2]));
                case "connector" -> connectors.put(p[1], Integer.parseInt(p[2]));
                case "remove_connector" -> connectors.remove(p[1]);
                case "worker" -> {
                    List<String> cs = new ArrayList<>();
                    List<ConnectorTaskId> ts = new ArrayList<>();
                    if (p.length > 2 && !p[2].equals("-")) cs.addAll(List.of(p[2].split(",")));
                    if (p.length > 3) {
                        for (String t : p[3].split(",")) {
                            String[] ct = t.split(":");
                            ts.add(new ConnectorTaskId(ct[0], Integer.parseInt(ct[1])));
                        }
                    }
                    members.put(p[1], new ConnectorsAndTasks.Builder().with(cs, ts).build());
                }
                case "remove" -> members.remove(p[1]);
                case "rebalance" -> rebalance(false, false);
                case "failed_rebalance" -> rebalance(true, false);
                case "mismatched_rebalance" -> rebalance(false, true);
                case "sleep" -> time.sleep(Long.parseLong(p[1]));
                case "sleep_delay" -> time.sleep(assignor.delay / (p.length > 1 ? Integer.parseInt(p[1]) : 1));
                case "new_assignor" -> newAssignor();
                default -> throw new IllegalArgumentException("Unknown command: " + line);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        new AssignorScenarios().run(Files.readAllLines(Path.of(args[0])));
    }
}
