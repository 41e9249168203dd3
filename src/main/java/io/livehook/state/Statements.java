package io.livehook.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The state transactions' statements, prepared once per connection and reused. SQLite's driver prepares
 * anew on every {@code prepareStatement}, which was a third of processing's time (a JFR profile of
 * {@code livehook replay}); processing runs the same dozen statements for every event. Used by one thread at a
 * time: the holder of the store's writer turn.
 */
final class Statements implements AutoCloseable {
    private final Connection connection;
    private final Map<String, PreparedStatement> bySql = new HashMap<>();

    Statements(Connection connection) {
        this.connection = connection;
    }

    int update(String sql, Object... params) throws SQLException {
        return Jdbc.update(prepared(sql), params);
    }

    <T> List<T> list(String sql, Jdbc.Row<T> row, Object... params) throws SQLException {
        return Jdbc.list(prepared(sql), row, params);
    }

    <T> Optional<T> one(String sql, Jdbc.Row<T> row, Object... params) throws SQLException {
        List<T> results = list(sql, row, params);
        return results.isEmpty() ? Optional.empty() : Optional.of(results.get(0));
    }

    long count(String sql, Object... params) throws SQLException {
        return one(sql, rs -> rs.getLong(1), params).orElse(0L);
    }

    private PreparedStatement prepared(String sql) throws SQLException {
        PreparedStatement statement = bySql.get(sql);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
            bySql.put(sql, statement);
        }
        return statement;
    }

    @Override
    public void close() {
        for (PreparedStatement statement : bySql.values()) {
            try {
                statement.close();
            } catch (SQLException e) {
                // closing the connection finalizes whatever is left
            }
        }
        bySql.clear();
    }
}
