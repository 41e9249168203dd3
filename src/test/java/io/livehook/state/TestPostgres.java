package io.livehook.state;

import ch.qos.logback.classic.Level;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/**
 * One real PostgreSQL server per test JVM (zonky's embedded binaries, no Docker), started the first time a
 * test asks for it. Every test gets a database of its own, copied from a template in which the state's
 * migrations already ran: copying is quicker than migrating, and opening the copy only checks them. The next
 * database is copied while the test that took the last one runs.
 */
public final class TestPostgres {
    public static final String USER = "postgres";
    private static final String TEMPLATE = "state_template";
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres server;
    private static final ExecutorService COPIER = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "test-postgres-copier");
        thread.setDaemon(true);
        return thread;
    });
    private static CompletableFuture<String> next;

    private TestPostgres() {}

    /** The JDBC URL (without credentials) of a new database holding an empty state. */
    public static synchronized String newDatabase() {
        if (server == null) {
            server = start();
            createDatabase(TEMPLATE, "");
            StateStore.open(location(url(server.getPort(), TEMPLATE))).close();
            next = copy();
        }
        String url = next.join();
        next = copy();
        return url;
    }

    private static CompletableFuture<String> copy() {
        return CompletableFuture.supplyAsync(() -> {
            String name = "state_" + DATABASES.incrementAndGet();
            createDatabase(name, " TEMPLATE " + TEMPLATE);
            return url(server.getPort(), name);
        }, COPIER);
    }

    public static String url(int port, String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Where a state in that database lives, reached as the test server's superuser. */
    public static StateLocation location(String url) {
        return new StateLocation(url, Optional.of(USER), Optional.empty(), StateLocation.DEFAULT_SCHEMA, 4);
    }

    /** zonky relays initdb's and the server's chatter at INFO. */
    public static void quiet() {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.zonky.test")).setLevel(Level.WARN);
    }

    private static void createDatabase(String name, String options) {
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name + options);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the test database " + name + ": " + e.getMessage(), e);
        }
    }

    /** zonky stops the server and deletes its files when the JVM exits. */
    private static EmbeddedPostgres start() {
        quiet();
        try {
            // A test database need not survive a power cut: no syncs, which would dominate its time.
            return EmbeddedPostgres.builder().setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off").setServerConfig("full_page_writes", "off")
                    .setServerConfig("max_connections", "300").start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the test PostgreSQL", e);
        }
    }
}
