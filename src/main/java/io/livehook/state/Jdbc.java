package io.livehook.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The few JDBC moves the state code repeats: bind parameters in order, map rows. */
public final class Jdbc {
    private Jdbc() {}

    @FunctionalInterface
    public interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    public static int update(Connection connection, String sql, Object... params) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            return update(statement, params);
        }
    }

    public static <T> List<T> list(Connection connection, String sql, Row<T> row, Object... params)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            return list(statement, row, params);
        }
    }

    static int update(PreparedStatement statement, Object... params) throws SQLException {
        bind(statement, params);
        return statement.executeUpdate();
    }

    static <T> List<T> list(PreparedStatement statement, Row<T> row, Object... params) throws SQLException {
        bind(statement, params);
        List<T> results = new ArrayList<>();
        try (ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                results.add(row.map(rs));
            }
        }
        return results;
    }

    public static <T> Optional<T> one(Connection connection, String sql, Row<T> row, Object... params)
            throws SQLException {
        List<T> results = list(connection, sql, row, params);
        return results.isEmpty() ? Optional.empty() : Optional.of(results.get(0));
    }

    public static long count(Connection connection, String sql, Object... params) throws SQLException {
        return one(connection, sql, rs -> rs.getLong(1), params).orElse(0L);
    }

    /** A nullable BIGINT column as a {@code Long}. */
    public static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    private static void bind(PreparedStatement statement, Object[] params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            Object param = params[i];
            if (param == null) {
                statement.setNull(i + 1, java.sql.Types.NULL);
            } else if (param instanceof byte[] bytes) {
                statement.setBytes(i + 1, bytes);
            } else {
                statement.setObject(i + 1, param);
            }
        }
    }
}
