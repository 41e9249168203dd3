package io.livehook.testing;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * A real Kafka broker (KRaft, broker and controller in one node) inside the test JVM, started the first time a
 * test asks for it and shared by every test after that; each test works on topics of its own. A test that stops
 * a broker starts its own with {@link #startPrivate()}.
 */
public final class KafkaTestCluster {
    private static final AtomicInteger TOPICS = new AtomicInteger();
    private static KafkaClusterTestKit shared;

    private KafkaTestCluster() {}

    /** The shared broker's bootstrap servers, starting it if no test has yet. */
    public static synchronized String bootstrapServers() {
        if (shared == null) {
            shared = startPrivate();
        }
        return shared.bootstrapServers();
    }

    /**
     * Stops the shared broker once every test has run, before the JVM exits: Kafka's test kit deletes the broker's
     * directory in a shutdown hook of its own, and a broker still writing there then halts the JVM with status 1.
     * Registered in {@code META-INF/services}.
     */
    public static final class StopAfterTests implements LauncherSessionListener {
        @Override
        public void launcherSessionClosed(LauncherSession session) {
            synchronized (KafkaTestCluster.class) {
                if (shared != null) {
                    close(shared);
                    shared = null;
                }
            }
        }
    }

    /** A broker of the caller's own, which the caller closes. */
    public static KafkaClusterTestKit startPrivate() {
        try {
            TestKitNodes nodes = new TestKitNodes.Builder().setCombined(true)
                    .setNumBrokerNodes(1).setNumControllerNodes(1).build();
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes)
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return cluster;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the in-process Kafka broker: " + e, e);
        }
    }

    public static void close(KafkaClusterTestKit cluster) {
        try {
            cluster.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the in-process Kafka broker: " + e, e);
        }
    }

    /** A topic name no other test in this JVM uses. */
    public static String uniqueTopic(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + TOPICS.incrementAndGet();
    }

    /** Makes a topic with settings of its own (say, a small largest record) before a log opens it. */
    public static void createTopic(String bootstrapServers, String topic, int partitions, Map<String, String> config) {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(properties)) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty()).configs(config)))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + topic + ": " + e, e);
        }
    }
}
