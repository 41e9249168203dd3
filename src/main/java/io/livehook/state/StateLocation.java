package io.livehook.state;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the state lives: a JDBC URL ({@code jdbc:sqlite:<file>} or {@code jdbc:postgresql://…}), the
 * credentials for a server, the schema that holds the tables there, and how many connections to keep open
 * to it. The password never appears in {@link #toString()} or in {@link #describe()}.
 */
public record StateLocation(String url, Optional<String> user, Optional<String> password, String schema,
        int poolSize) {
    public static final String DEFAULT_SCHEMA = "livehook";
    public static final int DEFAULT_POOL_SIZE = 10;
    /** A schema name that needs no quoting and cannot smuggle SQL into the statements that name it. */
    public static final String SCHEMA_PATTERN = "[a-z_][a-z0-9_]{0,50}";
    static final String SQLITE_PREFIX = "jdbc:sqlite:";

    public StateLocation {
        if (!schema.matches(SCHEMA_PATTERN)) {
            throw new IllegalArgumentException("a state schema is lower-case letters, digits and _, got \"" + schema
                    + "\"");
        }
        if (poolSize < 1) {
            throw new IllegalArgumentException("a state pool needs at least one connection, got " + poolSize);
        }
    }

    public static StateLocation sqlite(Path file) {
        return new StateLocation(SQLITE_PREFIX + file.toAbsolutePath(), Optional.empty(), Optional.empty(),
                DEFAULT_SCHEMA, DEFAULT_POOL_SIZE);
    }

    /** The same database, another schema (PostgreSQL) or file (SQLite). */
    StateLocation withUrlAndSchema(String otherUrl, String otherSchema) {
        return new StateLocation(otherUrl, user, password, otherSchema, poolSize);
    }

    /** True when several livehook processes can share the state there (PostgreSQL), false for a SQLite file. */
    public boolean shared() {
        return StateDialect.of(this).shared();
    }

    /**
     * The URL without its parameters or any user info, for messages and logs: parameters may carry
     * credentials ({@code ?password=}); host, port and database name say where it is.
     */
    public String describe() {
        String bare = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
        return bare.replaceFirst("//[^/@]*@", "//");
    }

    @Override
    public String toString() {
        return describe();
    }
}
