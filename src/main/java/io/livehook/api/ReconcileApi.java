package io.livehook.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.livehook.livekit.RoomServiceException;
import io.livehook.reconcile.Reconciler;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/reconcile[?room=NAME]}: one reconciliation pass now, over every active room or the named
 * one, answered with what it checked and corrected. 502 when LiveKit's RoomService failed (nothing was
 * corrected), 503 when reconciliation is off.
 */
public final class ReconcileApi {
    private static final Logger log = LoggerFactory.getLogger(ReconcileApi.class);

    private final Optional<Reconciler> reconciler;

    public ReconcileApi(Optional<Reconciler> reconciler) {
        this.reconciler = reconciler;
    }

    List<ApiRoute> routes() {
        return List.of(ApiRoute.post("/reconcile", this::reconcile));
    }

    private JsonNode reconcile(ServerRequest req) {
        Optional<String> room = new QueryParameters(req.query(), "room").text("room");
        if (reconciler.isEmpty()) {
            throw ApiException.unavailable("reconciliation is off: set LIVEKIT_URL (and leave reconcile.enabled true)");
        }
        Reconciler.Summary summary;
        try {
            summary = reconciler.get().reconcile(room);
        } catch (RoomServiceException e) {
            throw new ApiException(Status.BAD_GATEWAY_502,
                    "LiveKit's RoomService failed, nothing was corrected: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("livehook is stopping");
        } catch (RuntimeException e) {
            log.warn("reconcile API request failed: {}", e.toString());
            throw ApiException.unavailable("livehook's state or log could not complete the pass; try again");
        }
        if (room.isPresent() && summary.roomsChecked() == 0) {
            throw ApiException.notFound("livehook has no active room named " + room.get());
        }
        return ApiJson.reconcileSummary(summary);
    }
}
