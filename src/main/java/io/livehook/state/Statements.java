package io.livehook.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SQL run on one connection: each statement prepared once and reused while the connection is held,
 * parameters bound in order, rows mapped. SQLite's driver prepares anew on every {@code prepareStatement},
 * which was a third of processing's time (a JFR profile of {@code livehook replay}), and processing runs the
 * same dozen statements for every event. Used by one thread at a time.
 */
final class Statements implements AutoCloseable {
    /** Enough for every fixed statement; filters with a variable number of ids make more, and old ones go. */
    private static final int CACHED = 128;
    /** The most values one IN list binds. */
    private static final int MAX_IN = 256;

    private final Connection connection;
    private final Map<String, PreparedStatement> bySql = new LinkedHashMap<>(CACHED, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() <= CACHED) {
                return false;
            }
            closeQuietly(eldest.getValue());
            return true;
        }
    };

    Statements(Connection connection) {
        this.connection = connection;
    }

    @FunctionalInterface
    interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    Connection connection() {
        return connection;
    }

    int update(String sql, Object... params) throws SQLException {
        PreparedStatement statement = prepared(sql);
        try {
            bind(statement, params);
            return statement.executeUpdate();
        } catch (SQLException e) {
            forget(sql, statement);
            throw e;
        }
    }

    /** Runs the statement once per row in one batch (one round trip where the driver can); the update counts. */
    int[] batch(String sql, List<Object[]> rows) throws SQLException {
        if (rows.isEmpty()) {
            return new int[0];
        }
        PreparedStatement statement = prepared(sql);
        try {
            for (Object[] params : rows) {
                bind(statement, params);
                statement.addBatch();
            }
            return statement.executeBatch();
        } catch (SQLException e) {
            forget(sql, statement);
            throw e;
        }
    }

    /**
     * The rows of {@code select} whose {@code column} is one of {@code values}: {@code select} ends in a WHERE
     * clause that the IN list is ANDed to. Lists are cut into chunks and padded to a power of two (repeating a
     * value), so that a few statements stay prepared whatever the number of values.
     */
    <T> List<T> in(String select, String column, Collection<String> values, Row<T> row) throws SQLException {
        return in(select, column, values, "", row);
    }

    /** As {@link #in(String, String, Collection, Row)}, with {@code suffix} (GROUP BY, ORDER BY) after the list. */
    <T> List<T> in(String select, String column, Collection<String> values, String suffix, Row<T> row)
            throws SQLException {
        return in(select, new Object[0], column, values, suffix, row);
    }

    /** As {@link #in(String, String, Collection, String, Row)}, with {@code select}'s own parameters first. */
    <T> List<T> in(String select, Object[] selectParams, String column, Collection<String> values, String suffix,
            Row<T> row) throws SQLException {
        List<T> results = new ArrayList<>();
        List<String> all = List.copyOf(values);
        for (int from = 0; from < all.size(); from += MAX_IN) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + MAX_IN));
            int size = Integer.highestOneBit(chunk.size());
            size = size == chunk.size() ? size : size * 2;
            Object[] params = Arrays.copyOf(selectParams, selectParams.length + size);
            for (int i = 0; i < size; i++) {
                params[selectParams.length + i] = chunk.get(Math.min(i, chunk.size() - 1));
            }
            results.addAll(list(select + " AND " + column + " IN (" + placeholders(size) + ")" + suffix, row, params));
        }
        return results;
    }

    <T> List<T> list(String sql, Row<T> row, Object... params) throws SQLException {
        PreparedStatement statement = prepared(sql);
        try {
            bind(statement, params);
            List<T> results = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    results.add(row.map(rs));
                }
            }
            return results;
        } catch (SQLException e) {
            forget(sql, statement);
            throw e;
        }
    }

    /** The first row, mapped; empty when there is none or it maps to null (an aggregate over no rows). */
    <T> Optional<T> one(String sql, Row<T> row, Object... params) throws SQLException {
        List<T> results = list(sql, row, params);
        return results.isEmpty() ? Optional.empty() : Optional.ofNullable(results.get(0));
    }

    /** The first column of the first row as a number; 0 when there is no row or it is NULL. */
    long count(String sql, Object... params) throws SQLException {
        return one(sql, rs -> rs.getLong(1), params).orElse(0L);
    }

    /** A statement without parameters that is run once (schema changes, ATTACH): not kept prepared. */
    void execute(String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** "?, ?, ?" for {@code n} values of an IN list. */
    static String placeholders(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }

    /** "a, b" with alias s: "s.a, s.b", for the shared column lists in joins. */
    static String qualified(String alias, String columns) {
        List<String> out = new ArrayList<>();
        for (String column : columns.split(",")) {
            out.add(alias + "." + column.strip());
        }
        return String.join(", ", out);
    }

    /** A nullable BIGINT column as a {@code Long}. */
    static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    private PreparedStatement prepared(String sql) throws SQLException {
        PreparedStatement statement = bySql.get(sql);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
            bySql.put(sql, statement);
        }
        return statement;
    }

    /**
     * A statement that failed is not used again: SQLite's driver leaves one that failed (a full disk, a
     * constraint) unable to run ("statement is not executing"), which would fail every later event alike.
     */
    private void forget(String sql, PreparedStatement statement) {
        bySql.remove(sql);
        closeQuietly(statement);
    }

    private static void bind(PreparedStatement statement, Object[] params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            Object param = params[i];
            if (param == null) {
                statement.setNull(i + 1, Types.NULL);
            } else if (param instanceof byte[] bytes) {
                statement.setBytes(i + 1, bytes);
            } else {
                statement.setObject(i + 1, param);
            }
        }
    }

    private static void closeQuietly(PreparedStatement statement) {
        try {
            statement.close();
        } catch (SQLException e) {
            // closing the connection finalizes whatever is left
        }
    }

    @Override
    public void close() {
        bySql.values().forEach(Statements::closeQuietly);
        bySql.clear();
    }
}
