package io.livehook.state;

import java.sql.SQLException;

/** The SQL of the checkpoints table: how far each consumer has read each log partition. */
final class Checkpoints {
    private Checkpoints() {}

    /** Every offset at or below the checkpoint is applied or dead-lettered; 0 before the first. */
    static long get(Statements sql, String consumer, int partition) throws SQLException {
        return sql.count("SELECT log_offset FROM checkpoints WHERE consumer = ? AND log_partition = ?", consumer,
                partition);
    }

    static void save(Statements sql, String consumer, int partition, long offset) throws SQLException {
        sql.update("INSERT INTO checkpoints (consumer, log_partition, log_offset) VALUES (?, ?, ?) "
                + "ON CONFLICT (consumer, log_partition) DO UPDATE SET log_offset = excluded.log_offset",
                consumer, partition, offset);
    }
}
