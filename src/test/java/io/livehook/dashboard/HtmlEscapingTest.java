package io.livehook.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.deliver.DeliveryService;
import io.livehook.log.QuarantinedBody;
import io.livehook.state.Anomaly;
import io.livehook.state.DeadLetter;
import io.livehook.state.Delivery;
import io.livehook.state.DeliveryStore;
import io.livehook.state.Room;
import io.livehook.state.Session;
import io.livehook.state.StateQueries.AnomalyRecord;
import io.livehook.state.StateQueries.EventSummary;
import io.livehook.state.StateQueries.RoomDetail;
import io.livehook.state.StateQueries.RoomFigures;
import io.livehook.state.StateQueries.RoomSummary;
import io.livehook.state.StateQueries.SessionSpan;
import io.livehook.state.StateQueries.TimelineEntry;
import io.livehook.state.Track;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Every value that came from LiveKit (names, identities, metadata, sids, bodies, errors) is rendered as text:
 * pages built from hostile values hold no markup but livehook's own.
 */
class HtmlEscapingTest {
    static final String HOSTILE = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>`&amp;";
    static final String ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x "
            + "onerror=alert(2)&gt;&#96;&amp;amp;";
    static final long T = 1_700_000_000_000L;
    static final Layout.Viewer VIEWER = new Layout.Viewer("csrf\"><script>", true, false);

    @Test
    void escapeCoversEveryCharacterThatCanEndTextOrAnAttribute() {
        assertThat(Html.escape(HOSTILE)).isEqualTo(ESCAPED);
        assertThat(Html.escape("plain Ünïcødé 🎉")).isEqualTo("plain Ünïcødé 🎉");
        assertThat(Html.escape(null)).isEmpty();
        assertThat(new Html().el("td", HOSTILE, "title", HOSTILE, "data-x", null).toString())
                .isEqualTo("<td title=\"" + ESCAPED + "\">" + ESCAPED + "</td>");
        assertThat(Html.path("/dashboard/rooms", "a/b?c#d <x>\"")).isEqualTo("/dashboard/rooms/a%2Fb%3Fc%23d%20%3Cx%3E%22");
    }

    @Test
    void hiddenCharactersAreShownNotObeyed() {
        String rendered = new Html().visibleText("a\u0000b\u202Ec\u001b[31m\n<d>").toString();
        assertThat(rendered).isEqualTo("a<span class=\"ctl\">\\u{0}</span>b<span class=\"ctl\">\\u{202E}</span>c"
                + "<span class=\"ctl\">\\u{1B}</span>[31m\n&lt;d&gt;");
    }

    private static void assertNoForeignMarkup(String html) {
        assertThat(html).doesNotContain("<script>").doesNotContain("<img").doesNotContain("alert(1)</script>")
                .doesNotContain("\"'>");
        // the only script element is the bundled one, and it has no inline body
        assertThat(html.split("<script", -1)).hasSize(2);
        assertThat(html).contains("<script src=\"/dashboard/static/dashboard.js\" defer=\"\"></script>");
        assertThat(html).contains(ESCAPED);
    }

    @Test
    void roomPageWithHostileParticipantNameIdentityMetadataAndTrack() {
        Room room = new Room("RM_" + HOSTILE, HOSTILE, Room.ACTIVE, T, "room_started", null, null, HOSTILE, 2, T + 5000);
        Session session = new Session("PA_x", room.sid(), HOSTILE, HOSTILE, HOSTILE, "STANDARD", HOSTILE, T + 1000,
                "inferred", null, null, null, null, T + 2000);
        Track track = new Track("TR_x", "PA_x", room.sid(), "AUDIO", HOSTILE, "audio/opus", HOSTILE, T + 1500,
                "track_published", null, null);
        Track orphan = new Track("TR_y" + HOSTILE, "PA_" + HOSTILE, room.sid(), "VIDEO", "CAMERA", "video/vp8",
                HOSTILE, T + 1500, "inferred", T + 3000, "participant_left");
        RoomDetail detail = new RoomDetail(new RoomSummary(room, new RoomFigures(5000L, 2, 1, 1, 1, 4000,
                Map.of(HOSTILE, 1L))), List.of(new SessionSpan(session, 4000)), List.of(track, orphan),
                List.of(HOSTILE), List.of());
        AnomalyRecord anomaly = new AnomalyRecord(1, new Anomaly(HOSTILE, room.sid(), HOSTILE, "PA_x", HOSTILE,
                List.of("EV_" + HOSTILE), HOSTILE, T + 1000));
        EventSummary event = new EventSummary("EV_" + HOSTILE, 0, 1, HOSTILE, false, HOSTILE, room.sid(), HOSTILE,
                "PA_x", HOSTILE, HOSTILE, null, null, T + 1000, T + 1100, "livekit", HOSTILE, 100);

        String page = RoomPage.render(detail, List.of(new TimelineEntry(event, List.of(anomaly))), false,
                List.of(anomaly), T + 5000, VIEWER);
        assertNoForeignMarkup(page);
        assertThat(page).contains("<meta name=\"livehook-csrf\" content=\"csrf&quot;&gt;&lt;script&gt;\">");
        assertThat(page).contains("href=\"/dashboard/events/EV_%3Cscript%3Ealert%281%29%3C%2Fscript%3E");

        String rooms = RoomsPage.render(List.of(detail.summary()), false, List.of(), T + 5000, VIEWER);
        assertNoForeignMarkup(rooms);
    }

    @Test
    void eventDeadLetterAndQuarantinePagesWithHostileBodies() {
        byte[] body = ("{\"id\":\"EV_1\",\"event\":\"" + HOSTILE.replace("\"", "\\\"") + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        var shown = new EventPage.Shown("EV_1", HOSTILE, T, T, HOSTILE, "livekit", HOSTILE, "RM_1", HOSTILE, "PA_1",
                HOSTILE, null, 0, 1, body, null);
        String event = EventPage.render(shown, List.of(), VIEWER);
        assertNoForeignMarkup(event);
        assertThat(event).contains("<pre class=\"raw\" id=\"raw-body\">{&quot;id&quot;:&quot;EV_1&quot;");

        DeadLetter letter = new DeadLetter("EV_1", 0, 1, HOSTILE, HOSTILE, HOSTILE, 1, DeadLetter.OPEN, T, T);
        QuarantinedBody quarantined = new QuarantinedBody(1, HOSTILE.getBytes(StandardCharsets.UTF_8),
                Instant.ofEpochMilli(T), HOSTILE, HOSTILE);
        Delivery delivery = new Delivery("app", "EV_" + HOSTILE, 1, HOSTILE, HOSTILE, 0, 1, T, Delivery.DEAD, 3, 3, T, T,
                T, null, T, HOSTILE);
        String dead = DeadLettersPage.render(List.of(letter), false, null, List.of(delivery), false,
                List.of(quarantined), T, VIEWER);
        assertNoForeignMarkup(dead);
        assertThat(dead).contains("data-retry-delivery=\"EV_" + ESCAPED + "\"");

        String deadEvent = EventPage.render(new EventPage.Shown("EV_1", HOSTILE, null, T, HOSTILE, "livekit", HOSTILE,
                null, null, null, null, null, 0, 1, new byte[] {'<', (byte) 0xff, '>'}, letter), List.of(), VIEWER);
        assertThat(deadEvent).contains("3c ff 3e").doesNotContain("<\u00ff>");
        assertNoForeignMarkup(deadEvent);
    }

    @Test
    void deliveriesPageWithAHostileDestinationAndError() {
        var figures = new DeliveryStore.DestinationFigures(HOSTILE, 3, 1, 2, T, HOSTILE, T);
        String page = DeliveriesPage.render(List.of(new DeliveryService.DestinationSummary(figures, true, 1,
                Optional.of("open"), 1000), new DeliveryService.DestinationSummary(figures, false, 0, Optional.empty(),
                0)), T + 60_000, VIEWER);
        assertNoForeignMarkup(page);
        assertThat(page).contains("data-retry-destination=\"" + ESCAPED + "\"").contains("data-replay=\"" + ESCAPED
                + "\"").contains("no longer configured");
    }
}
