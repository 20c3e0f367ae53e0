// Prints Java's own encodings of the Connect group protocol as "name hex" lines; the unit tests in
// tests/unit/distributed/test_protocol.py keep the output as literal test vectors.
//
// How to run (jars stay in /tmp, never in the repo):
//   mkdir -p /tmp/javavec && cd /tmp/javavec   # pom.xml with a dependency on
//   # org.apache.kafka:connect-runtime:4.2.1, then:
//   mvn -q dependency:copy-dependencies -DoutputDirectory=lib
//   javac -cp 'lib/*' -d out <repo>/tests/unit/distributed/java/ConnectProtocolVectors.java
//   java -cp 'lib/*:out' org.apache.kafka.connect.runtime.distributed.ConnectProtocolVectors
package org.apache.kafka.connect.runtime.distributed;

import org.apache.kafka.common.utils.ExponentialBackoff;
import org.apache.kafka.connect.util.ConnectorTaskId;

import java.nio.ByteBuffer;
import java.util.List;

public class ConnectProtocolVectors {
    static String hex(ByteBuffer b) {
        StringBuilder sb = new StringBuilder();
        ByteBuffer d = b.duplicate();
        while (d.hasRemaining()) sb.append(String.format("%02x", d.get()));
        return sb.toString();
    }

    static void out(String name, ByteBuffer b) {
        System.out.println(name + " " + (b == null ? "null" : hex(b)));
    }

    static ConnectorTaskId t(String c, int i) {
        return new ConnectorTaskId(c, i);
    }

    public static void main(String[] args) {
        // Member metadata
        out("metadata_v0", ConnectProtocol.serializeMetadata(
                new ConnectProtocol.WorkerState("http://worker-1:8083/", 42L)));
        out("metadata_v1_no_allocation", IncrementalCooperativeConnectProtocol.serializeMetadata(
                new ExtendedWorkerState("http://worker-1:8083/", 42L, null), false));
        out("metadata_v2_no_allocation", IncrementalCooperativeConnectProtocol.serializeMetadata(
                new ExtendedWorkerState("http://worker-1:8083/", -1L, null), true));
        ExtendedAssignment allocation = new ExtendedAssignment(
                (short) 2, (short) 0, "worker-1-abc", "http://worker-1:8083/", 7L,
                List.of("orders"), List.of(t("orders", 0), t("orders", 1), t("payments", 2)),
                List.of("payments"), List.of(t("payments", 0)), 0);
        out("metadata_v1_with_allocation", IncrementalCooperativeConnectProtocol.serializeMetadata(
                new ExtendedWorkerState("http://w2:8083", 7L, allocation), false));
        out("metadata_v2_with_allocation", IncrementalCooperativeConnectProtocol.serializeMetadata(
                new ExtendedWorkerState("http://w2:8083", 7L, allocation), true));

        // Assignments
        out("assignment_v0", ConnectProtocol.serializeAssignment(new ConnectProtocol.Assignment(
                (short) 0, "leader-1", "http://leader:8083/", 12L,
                List.of("conn-a"), List.of(t("conn-a", 0), t("conn-a", 1), t("conn-b", 0)))));
        out("assignment_v0_empty_mismatch", ConnectProtocol.serializeAssignment(new ConnectProtocol.Assignment(
                (short) 1, "leader-1", "http://leader:8083/", 99L, List.of(), List.of())));
        ExtendedAssignment v1 = new ExtendedAssignment(
                (short) 1, (short) 0, "leader-1", "http://leader:8083/", 12L,
                List.of("conn-a"), List.of(t("conn-a", 0), t("conn-b", 3)),
                List.of("conn-c"), List.of(t("conn-c", 0), t("conn-d", 1)), 5000);
        out("assignment_v1", IncrementalCooperativeConnectProtocol.serializeAssignment(v1, false));
        out("assignment_v2", IncrementalCooperativeConnectProtocol.serializeAssignment(v1, true));
        out("assignment_v1_empty_mismatch", IncrementalCooperativeConnectProtocol.serializeAssignment(
                new ExtendedAssignment((short) 1, (short) 1, "leader-1", "http://leader:8083/", 99L,
                        List.of(), List.of(), List.of(), List.of(), 0), false));
        out("assignment_v2_unicode", IncrementalCooperativeConnectProtocol.serializeAssignment(
                new ExtendedAssignment((short) 2, (short) 0, "l\u00e9ader", "http://h\u00f6st:8083", 0L,
                        List.of("caf\u00e9"), List.of(t("caf\u00e9", 0)), List.of(), List.of(), 0), true));

        // The consecutive revoking rebalance backoff (initial 1 ms, x40, capped at max delay)
        for (long max : new long[] {300000L, 60000L, 10000L, 1L, 0L}) {
            ExponentialBackoff b = new ExponentialBackoff(max == 0 ? 0 : 1, 40, max, 0);
            StringBuilder sb = new StringBuilder("backoff_" + max);
            for (int i = 1; i <= 6; i++) sb.append(' ').append(b.backoff(i));
            System.out.println(sb);
        }
    }
}
