package io.livehook.api;

import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.livehook.reconcile.Reconciler;
import io.livehook.livekit.RoomServiceException;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/reconcile[?room=NAME]}: one reconciliation pass now, over every active room or the named
 * one, answered with what it checked and corrected. 502 when LiveKit's RoomService failed (nothing was
 * corrected), 503 when reconciliation is off.
 */
public final class ReconcileApi implements HttpService {
    private static final Logger log = LoggerFactory.getLogger(ReconcileApi.class);

    private final Optional<Reconciler> reconciler;
    private final ApiAuth auth;

    public ReconcileApi(Optional<Reconciler> reconciler, ApiAuth auth) {
        this.reconciler = reconciler;
        this.auth = auth;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::reconcile);
    }

    private void reconcile(ServerRequest req, ServerResponse res) {
        if (!auth.admit(req, res)) {
            return;
        }
        if (reconciler.isEmpty()) {
            ApiJson.send(res, Status.SERVICE_UNAVAILABLE_503, Map.of("error", "reconcile_off", "message",
                    "reconciliation is off: set LIVEKIT_URL (and leave reconcile.enabled true)"));
            return;
        }
        Optional<String> room = req.query().first("room").asOptional().filter(r -> !r.isBlank());
        try {
            Reconciler.Summary summary = reconciler.get().reconcile(room);
            if (room.isPresent() && summary.roomsChecked() == 0) {
                ApiJson.send(res, Status.NOT_FOUND_404, Map.of("error", "not_found", "message",
                        "livehook has no active room named " + room.get()));
                return;
            }
            ApiJson.send(res, Status.OK_200, summary);
        } catch (RoomServiceException e) {
            ApiJson.send(res, Status.BAD_GATEWAY_502, Map.of("error", "livekit_unavailable", "message",
                    "LiveKit's RoomService failed, nothing was corrected: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ApiJson.send(res, Status.SERVICE_UNAVAILABLE_503, Map.of("error", "unavailable", "message", "livehook is stopping"));
        } catch (RuntimeException e) {
            log.warn("reconcile API request failed: {}", e.toString());
            ApiJson.send(res, Status.SERVICE_UNAVAILABLE_503, Map.of("error", "unavailable",
                    "message", "livehook's state or log could not complete the pass; try again"));
        }
    }

}
