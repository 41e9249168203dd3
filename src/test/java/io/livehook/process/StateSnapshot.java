package io.livehook.process;

import io.livehook.state.StateSql;
import io.livehook.state.StateStore;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every row of every state table, as plain values, for comparing two stores: rows are sorted (tables
 * compare as multisets) and the columns that cannot be equal between two runs are left out.
 */
record StateSnapshot(Map<String, List<Map<String, Object>>> tables) {

    /** Tables and the columns left out: the anomaly row id, and the wall-clock times of dead letters. */
    static final Map<String, Set<String>> TABLES = tablesInOrder();

    private static Map<String, Set<String>> tablesInOrder() {
        Map<String, Set<String>> tables = new LinkedHashMap<>();
        tables.put("rooms", Set.of());
        tables.put("sessions", Set.of());
        tables.put("tracks", Set.of());
        tables.put("egress", Set.of());
        tables.put("egress_history", Set.of());
        tables.put("ingress", Set.of());
        tables.put("ingress_history", Set.of());
        tables.put("anomalies", Set.of("id"));
        tables.put("events", Set.of());
        tables.put("dead_letters", Set.of("first_failed_ms", "last_failed_ms"));
        return tables;
    }

    static StateSnapshot of(StateStore store) {
        return StateSql.withConnection(store, connection -> {
            Map<String, List<Map<String, Object>>> tables = new LinkedHashMap<>();
            for (var table : TABLES.entrySet()) {
                List<Map<String, Object>> rows = new ArrayList<>();
                try (Statement s = connection.createStatement();
                        ResultSet rs = s.executeQuery("SELECT * FROM " + table.getKey())) {
                    ResultSetMetaData meta = rs.getMetaData();
                    while (rs.next()) {
                        Map<String, Object> row = new TreeMap<>();
                        for (int i = 1; i <= meta.getColumnCount(); i++) {
                            String column = meta.getColumnName(i);
                            if (table.getValue().contains(column)) {
                                continue;
                            }
                            Object value = rs.getObject(i);
                            if (value instanceof byte[] bytes) {
                                value = Base64.getEncoder().encodeToString(bytes);
                            } else if (value instanceof Integer n) {
                                value = n.longValue(); // SQLite hands back Integer or Long by magnitude
                            }
                            row.put(column, value);
                        }
                        rows.add(row);
                    }
                }
                rows.sort(Comparator.comparing(Object::toString));
                tables.put(table.getKey(), rows);
            }
            return new StateSnapshot(tables);
        });
    }

    List<Map<String, Object>> rows(String table) {
        return tables.get(table);
    }
}
