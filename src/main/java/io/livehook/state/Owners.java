package io.livehook.state;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The SQL of the partition_owners and members tables: leases on log partitions (and on cluster-wide jobs) with an
 * epoch that grows on every change of hands, and the heartbeats of the processes taking part.
 */
final class Owners {
    private Owners() {}

    static void heartbeat(Statements sql, String consumer, String member, long nowMs) throws SQLException {
        sql.update("INSERT INTO members (consumer, member, heartbeat_ms) VALUES (?, ?, ?) "
                + "ON CONFLICT (consumer, member) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms",
                consumer, member, nowMs);
    }

    /** Members whose heartbeat is at or after {@code sinceMs}; older ones than {@code forgetBeforeMs} go. */
    static long liveMembers(Statements sql, String consumer, long sinceMs, long forgetBeforeMs) throws SQLException {
        sql.update("DELETE FROM members WHERE consumer = ? AND heartbeat_ms < ?", consumer, forgetBeforeMs);
        return sql.count("SELECT COUNT(*) FROM members WHERE consumer = ? AND heartbeat_ms >= ?", consumer, sinceMs);
    }

    /**
     * Takes the partition if nobody holds it, its lease ran out before {@code expiredBeforeMs}, or {@code member}
     * itself held it (in an earlier life); the epoch it now holds it under, or empty if another holds it.
     */
    static OptionalLong claim(Statements sql, String consumer, int partition, String member, long expiredBeforeMs,
            long leaseUntilMs) throws SQLException {
        int changed = sql.update("INSERT INTO partition_owners (consumer, log_partition, owner, epoch, lease_until_ms) "
                + "VALUES (?, ?, ?, 1, ?) ON CONFLICT (consumer, log_partition) DO UPDATE SET "
                + "owner = excluded.owner, epoch = partition_owners.epoch + 1, "
                + "lease_until_ms = excluded.lease_until_ms "
                + "WHERE partition_owners.lease_until_ms < ? OR partition_owners.owner = ?",
                consumer, partition, member, leaseUntilMs, expiredBeforeMs, member);
        if (changed != 1) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(sql.count("SELECT epoch FROM partition_owners WHERE consumer = ? AND log_partition = ?",
                consumer, partition));
    }

    /** Extends the lease if {@code epoch} still holds it; false if another took it since. */
    static boolean renew(Statements sql, String consumer, int partition, long epoch, long leaseUntilMs)
            throws SQLException {
        return sql.update("UPDATE partition_owners SET lease_until_ms = ? "
                + "WHERE consumer = ? AND log_partition = ? AND epoch = ?", leaseUntilMs, consumer, partition, epoch) == 1;
    }

    /**
     * True if {@code epoch} still holds the partition, and then the row stays share-locked until the transaction
     * ends, so that no one takes the partition over (a claim updates the row) while the transaction's work
     * commits; the holder's other transactions share the lock and go on in parallel.
     */
    static boolean fence(Statements sql, String shareLock, String consumer, int partition, long epoch)
            throws SQLException {
        return sql.one("SELECT epoch FROM partition_owners WHERE consumer = ? AND log_partition = ? AND epoch = ?"
                + shareLock, rs -> rs.getLong(1), consumer, partition, epoch).isPresent();
    }

    /** Lets the partition go at once rather than when its lease runs out. */
    static void release(Statements sql, String consumer, int partition, long epoch) throws SQLException {
        sql.update("UPDATE partition_owners SET lease_until_ms = 0 WHERE consumer = ? AND log_partition = ? AND epoch = ?",
                consumer, partition, epoch);
    }

    /** The holder of each partition that has one, by partition. */
    static Map<Integer, PartitionOwner> owners(Statements sql, String consumer) throws SQLException {
        List<PartitionOwner> rows = sql.list("SELECT log_partition, owner, epoch, lease_until_ms FROM partition_owners "
                + "WHERE consumer = ?", rs -> new PartitionOwner(rs.getInt(1), rs.getString(2), rs.getLong(3),
                        rs.getLong(4)), consumer);
        Map<Integer, PartitionOwner> byPartition = new HashMap<>();
        rows.forEach(row -> byPartition.put(row.partition(), row));
        return byPartition;
    }

    static Map<Integer, Long> checkpoints(Statements sql, String consumer) throws SQLException {
        Map<Integer, Long> byPartition = new HashMap<>();
        for (long[] row : sql.list("SELECT log_partition, log_offset FROM checkpoints WHERE consumer = ?",
                rs -> new long[] {rs.getInt(1), rs.getLong(2)}, consumer)) {
            byPartition.put((int) row[0], row[1]);
        }
        return byPartition;
    }
}
