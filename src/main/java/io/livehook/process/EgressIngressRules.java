package io.livehook.process;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.livehook.state.Egress;
import io.livehook.state.Ingress;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;
import livekit.LivekitEgress.EgressInfo;
import livekit.LivekitEgress.EgressStatus;
import livekit.LivekitIngress.IngressInfo;

/**
 * How egress and ingress events change their rows: each status goes into the history, and the row follows the
 * newest one, a terminal status beating any that is not.
 */
final class EgressIngressRules {
    private static final Set<EgressStatus> EGRESS_TERMINAL = Set.of(EgressStatus.EGRESS_COMPLETE,
            EgressStatus.EGRESS_FAILED, EgressStatus.EGRESS_ABORTED, EgressStatus.EGRESS_LIMIT_REACHED);
    private static final JsonFormat.Printer RESULTS = JsonFormat.printer().omittingInsignificantWhitespace();

    private final RuleContext ctx;
    private final BatchState state;
    private final LiveKitEvent e;

    EgressIngressRules(RuleContext ctx) {
        this.ctx = ctx;
        this.state = ctx.state;
        this.e = ctx.e;
    }

    void egress() throws SQLException {
        EgressInfo info = e.event().getEgressInfo();
        String status = info.getStatus().name();
        long updatedNs = info.getUpdatedAt() > 0 ? info.getUpdatedAt()
                : Math.max(info.getEndedAt(), info.getStartedAt()) > 0 ? Math.max(info.getEndedAt(), info.getStartedAt())
                : e.atMs() * 1_000_000;
        state.addEgressHistory(info.getEgressId(), e.id(), status, updatedNs);
        Optional<Egress> existing = state.egress(info.getEgressId());
        if (existing.isPresent() && isOlder(existing.get(), info.getStatus(), updatedNs)) {
            ctx.anomaly(AnomalyKind.STALE_EVENT, null, null, null, "egress " + info.getEgressId() + " " + status
                    + " is older than its current status " + existing.get().status());
            return;
        }
        state.saveEgress(new Egress(info.getEgressId(), info.getRoomId(), info.getRoomName(), status,
                RuleContext.positiveOrNull(info.getStartedAt()), RuleContext.positiveOrNull(info.getEndedAt()),
                updatedNs, info.getError(), results(info)));
    }

    private static boolean isOlder(Egress current, EgressStatus status, long updatedNs) {
        boolean currentTerminal = EGRESS_TERMINAL.stream().anyMatch(s -> s.name().equals(current.status()));
        if (currentTerminal && !EGRESS_TERMINAL.contains(status)) {
            return true;
        }
        return updatedNs < current.updatedAtNs();
    }

    private static String results(EgressInfo info) {
        var results = EgressInfo.newBuilder()
                .addAllFileResults(info.getFileResultsList())
                .addAllStreamResults(info.getStreamResultsList())
                .addAllSegmentResults(info.getSegmentResultsList())
                .addAllImageResults(info.getImageResultsList())
                .build();
        try {
            return RESULTS.print(results);
        } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
            throw new IllegalStateException("egress results cannot be printed", ex);
        }
    }

    void ingress() throws SQLException {
        IngressInfo info = e.event().getIngressInfo();
        var reported = info.getState();
        String status = reported.getStatus().name();
        long updatedMs = EpochMillis.fromAnyUnit(reported.getUpdatedAt()) > 0
                ? EpochMillis.fromAnyUnit(reported.getUpdatedAt()) : e.atMs();
        state.addIngressHistory(info.getIngressId(), e.id(), status, updatedMs);
        Optional<Ingress> existing = state.ingress(info.getIngressId());
        if (existing.isPresent() && updatedMs < existing.get().updatedAtMs()) {
            ctx.anomaly(AnomalyKind.STALE_EVENT, null, null, null, "ingress " + info.getIngressId() + " " + status
                    + " is older than its current status " + existing.get().status());
            return;
        }
        state.saveIngress(new Ingress(info.getIngressId(), info.getName(), info.getRoomName(),
                info.getParticipantIdentity(), status, reported.getError(),
                RuleContext.positiveOrNull(EpochMillis.fromAnyUnit(reported.getStartedAt())),
                RuleContext.positiveOrNull(EpochMillis.fromAnyUnit(reported.getEndedAt())), updatedMs));
    }
}
